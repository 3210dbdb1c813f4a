/* lib/guestssh.c: how fvm reaches a guest with ssh, scp and rsync: key, known_hosts, argv. */
#include "guestssh.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "util.h"

char *guestssh_new_key_path(const struct fvm_conf *c)
{
	return xasprintf("%s/id_fvm", c->state_dir);
}

char *guestssh_key(const struct fvm_conf *c)
{
	char *p = guestssh_new_key_path(c);

	if (access(p, R_OK) == 0)
		return p;
	free(p);
	p = xasprintf("%s/id_fastvm", c->user_dir);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

int guestssh_mkdirs(const char *path, unsigned mode)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err_sys(FVM_EXIT_FAIL, "cannot create %s", p);
			free(p);
			return -1;
		}
		if (!c)
			break;
		*s = c;
	}
	free(p);
	return 0;
}

int guestssh_make_key(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	char *out = NULL, *err = NULL;
	int rc;

	if (slash && slash != dir) {
		*slash = '\0';
		if (guestssh_mkdirs(dir, 0700) < 0) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	{
		char *argv[] = { "ssh-keygen", "-q",	     "-t", "ed25519",
				 "-N",	       "",	     "-C", "fvm",
				 "-f",	       (char *)path, NULL };

		rc = proc_run(argv, &out, &err);
	}
	if (rc != 0) {
		char *line = proc_last_line(err);

		if (rc > 0)
			err_set(FVM_EXIT_FAIL, "ssh-keygen failed: %s", line);
		free(line);
		rc = -1;
	}
	free(out);
	free(err);
	return rc;
}

void guestssh_opts(struct strv *a, const char *key, const char *known_hosts,
		   bool batch)
{
	if (key) {
		strv_push(a, "-i");
		strv_push(a, key);
	}
	strv_pushf(a, "-oUserKnownHostsFile=%s", known_hosts);
	strv_push(a, "-oStrictHostKeyChecking=accept-new");
	strv_push(a, "-oGlobalKnownHostsFile=/dev/null");
	/* the host key is checked, never hashed out of sight: one file per
	 * VM holds one address */
	strv_push(a, "-oHashKnownHosts=no");
	/* "Permanently added ..." for every new VM is noise; a changed key
	 * is still an error */
	strv_push(a, "-oLogLevel=ERROR");
	/* throw-away VMs die under their sessions: a deleted or destroyed
	 * guest must end ssh, not leave it waiting on a dead peer forever */
	strv_push(a, "-oServerAliveInterval=5");
	strv_push(a, "-oServerAliveCountMax=3");
	strv_push(a, "-oConnectTimeout=15");
	if (batch)
		strv_push(a, "-oBatchMode=yes");
}

/* characters the remote shell of legacy scp would act on; glob
 * characters are left to it on purpose */
static bool shell_special(char c)
{
	return strchr(" \t'\"\\$`;&|<>(){}!#~", c) != NULL;
}

char *guestssh_remote(const char *arg, const char *user, const char *ip,
		      bool shell_quote)
{
	struct sbuf b = SBUF_INIT;
	const char *p;

	if (!str_starts(arg, "vm:"))
		return NULL;
	sbuf_addf(&b, "%s@%s:", user, ip);
	for (p = arg + 3; *p; p++) {
		if (!shell_quote) {
			sbuf_addc(&b, *p);
		} else if (*p == '\n') {
			/* a backslash before a newline joins lines */
			sbuf_adds(&b, "'\n'");
		} else {
			/* "~" only means home at the start: keep it there */
			if (shell_special(*p) && !(*p == '~' && p == arg + 3))
				sbuf_addc(&b, '\\');
			sbuf_addc(&b, *p);
		}
	}
	return sbuf_detach(&b);
}

char *guestssh_local(const char *arg)
{
	const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');

	/* scp and rsync read HOST:PATH wherever a colon comes before the
	 * first slash */
	if (colon && (!slash || colon < slash) && arg[0] != '-')
		return xasprintf("./%s", arg);
	return xstrdup(arg);
}

char *guestssh_rsync_shell(char *const *argv)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; argv[i]; i++) {
		const char *s = argv[i];

		if (i)
			sbuf_addc(&b, ' ');
		if (*s && !strpbrk(s, " '\"")) {
			sbuf_adds(&b, s);
			continue;
		}
		sbuf_addc(&b, '\'');
		for (; *s; s++) {
			if (*s == '\'')
				sbuf_addc(&b, '\'');
			sbuf_addc(&b, *s);
		}
		sbuf_addc(&b, '\'');
	}
	return sbuf_detach(&b);
}
