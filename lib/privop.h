/* lib/privop.h: requests to `fvm helper`, the root side of non-root fvm: format, checks, client. */
#ifndef FVM_PRIVOP_H
#define FVM_PRIVOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A non-root fvm does the steps that need root (VM disks in the lvm pool
 * or in a store directory it cannot write, releasing a DHCP lease) by
 * running `sudo -n FVM helper` and writing one request on its stdin:
 * lines of key=value, each ending with a newline, nothing else.
 *
 *   op=clone          image=DISK vm=DISK   VM disk vm from image disk
 *   op=remove         vm=DISK              remove a VM disk
 *   op=resize         vm=DISK size=BYTES [shrink=yes|no]
 *   op=release-lease  number=N mac=MAC     dhcp_release for VM N
 *   op=check          (nothing)            is the helper usable?
 *
 * The parser is strict: known keys only, each at most once, no key the
 * op does not take, values of printable ASCII without blanks, at most
 * HELPER_VALUE_MAX bytes each and HELPER_REQ_MAX in all. VM disk names
 * must be ${VM_PREFIX}IMAGE-N with N in FVM_VM_RANGE and IMAGE an image
 * name as fvm import takes it; the image of a clone must be the same
 * ${VM_PREFIX}IMAGE.
 */
#define HELPER_REQ_MAX	 4096
#define HELPER_VALUE_MAX 255
/* sizes a VM disk may be given: 1 MiB to 64 TiB */
#define HELPER_SIZE_MIN ((uint64_t)1 << 20)
#define HELPER_SIZE_MAX ((uint64_t)1 << 46)

/* fvm helper's exit codes beyond fvm's own 0-4 (fvm-helper(1)) */
#define HELPER_EXIT_REFUSED  5 /* a valid request the policy refuses */
#define HELPER_EXIT_INVALID  6 /* a request that is not well formed */
#define HELPER_EXIT_NOT_ROOT 7 /* not run as root */

enum helper_op {
	HELPER_OP_CHECK,
	HELPER_OP_CLONE,
	HELPER_OP_REMOVE,
	HELPER_OP_RESIZE,
	HELPER_OP_RELEASE_LEASE,
};

/* What the root-owned configuration allows: the parser's only input
 * besides the request. */
struct helper_policy {
	const char *vm_prefix;
	int vm_min, vm_max;
	int subnet;
};

struct helper_req {
	enum helper_op op;
	char image[128]; /* clone: the image disk */
	char vm[128];	 /* clone, remove, resize: the VM disk */
	int number;	 /* the VM number (of vm, or release-lease's) */
	uint64_t size;	 /* resize: bytes */
	bool shrink;	 /* resize: may shrink */
	char mac[18];	 /* release-lease: lowercase xx:xx:xx:xx:xx:xx */
};

/*
 * Parse and check one request (no I/O: fit for fuzzing). 0, or -1 with
 * the reason recorded in lib/err with code HELPER_EXIT_INVALID; the
 * reason never holds control characters from the request.
 */
int helper_parse(const char *text, size_t len, const struct helper_policy *p,
		 struct helper_req *r);
/* The request text for r (malloc'd), as helper_parse reads it. */
char *helper_format(const struct helper_req *r);
/* The op's name in requests and logs ("clone", ...). */
const char *helper_op_name(enum helper_op op);
/*
 * Whether mac may have its lease of VM n released: fvm's own MAC for n
 * (52:54:00:f5:SS:NN) or the MAC the VM's domain has on the network
 * (domain_mac, NULL when there is no domain).
 */
bool helper_mac_allowed(const struct helper_policy *p, int n, const char *mac,
			const char *domain_mac);

/*
 * Client. helper_call runs `sudo -n FVM helper` (FVM: this binary, by
 * /proc/self/exe; with --config PATH when FVM_CONFIG names a file, so a
 * sudoers rule written for that path matches) with r's text on stdin
 * and maps the outcome into lib/err: the helper's one-line message and
 * fvm's exit code class (a refusal is FVM_EXIT_FAIL, an invalid request
 * FVM_EXIT_USAGE). sudo's own failure (no rule, no sudo) says what root
 * has to set up. The helper connects to FVM_URI only: when -c or
 * LIBVIRT_DEFAULT_URI chose another connection (conf_connect_elsewhere),
 * helper_call refuses before running anything (FVM_EXIT_USAGE).
 */
int helper_call(const struct helper_req *r);
int helper_vm_clone(const char *image, const char *vm);
int helper_vm_remove(const char *vm);
int helper_resize(const char *vm, uint64_t size, bool allow_shrink);
/* ip is 192.168.S.N: the helper gets N and works the address out itself */
int helper_release_lease(const char *ip, const char *mac);

/*
 * The sudoers line that lets members of group run the helper (malloc'd):
 *   %GROUP ALL=(root) NOPASSWD: /path/to/fvm helper[ --config PATH]
 * exe NULL: this binary. NULL with FVM_EXIT_USAGE when group or a path
 * cannot be written in sudoers safely.
 */
char *helper_sudoers_rule(const char *group, const char *exe,
			  const char *config);
/* visudo -cf on a sudoers file's text: 1 valid, 0 invalid (*why set,
 * malloc'd), -1 no visudo here */
int helper_sudoers_valid(const char *text, char **why);
/* This binary's path (malloc'd), NULL with the error recorded. */
char *helper_self_exe(void);

#endif
