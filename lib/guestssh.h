/* lib/guestssh.h: how fvm reaches a guest with ssh, scp and rsync: key, known_hosts, argv. */
#ifndef FVM_GUESTSSH_H
#define FVM_GUESTSSH_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "util.h"

/* Where keydist makes fvm's key: $FVM_STATE_DIR/id_fvm (malloc'd). */
char *guestssh_new_key_path(const struct fvm_conf *c);
/*
 * The private key fvm logs in with (malloc'd): fvm's own, else fast-vm's
 * ~/.fast-vm/id_fastvm, so a fast-vm user's VMs keep working; NULL when
 * neither exists (ssh then tries the user's own keys and agent).
 */
char *guestssh_key(const struct fvm_conf *c);
/* Make an ed25519 key without passphrase at path with ssh-keygen (its
 * directory is created 0700). */
int guestssh_make_key(const char *path);

/* mkdir -p with mode for the missing parts */
int guestssh_mkdirs(const char *path, unsigned mode);

/*
 * The options every ssh, scp and rsync call gets: the key (when not
 * NULL), the VM's own known_hosts file with the first key accepted and
 * later ones checked, no global known_hosts (so ~/.ssh/known_hosts and
 * /etc/ssh are never read or written for a VM), and quiet about adding
 * a key. batch: never prompt (parallel runs share no terminal).
 */
void guestssh_opts(struct strv *a, const char *key, const char *known_hosts,
		   bool batch);

/*
 * "vm:PATH" as the remote argument "USER@IP:PATH"; NULL when arg does
 * not start with "vm:". With shell_quote, PATH is escaped for the
 * remote shell (legacy scp passes it through one) except for glob
 * characters, so "vm:/tmp/a b" names one file and "vm:*.log"
 * still globs.
 */
char *guestssh_remote(const char *arg, const char *user, const char *ip,
		      bool shell_quote);
/* A local path scp or rsync would take for a remote one ("a:b") made
 * unambiguous ("./a:b"); other paths unchanged (malloc'd). */
char *guestssh_local(const char *arg);

/*
 * The argv as one rsync -e string: rsync splits it at spaces and honours
 * single quotes (a doubled quote inside stands for one), so every element
 * is single-quoted when it needs to be (malloc'd).
 */
char *guestssh_rsync_shell(char *const *argv);

#endif
