/* lib/hack.c: run fast-vm's legacy hack files with their documented environment. */
#include "hack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "guest.h"
#include "proc.h"
#include "util.h"
#include "vmnum.h"

static void env_add(struct strv *e, const char *k, const char *v)
{
	strv_pushf(e, "%s=%s", k, v ? v : "");
}

int hack_run(const struct fvm_conf *c, const char *path,
	     const struct hack_vars *v, char **output)
{
	struct strv env = STRV_INIT;
	char hex[3], num[16], mac[18];
	char *argv[] = { "/bin/sh", (char *)path, NULL };
	struct proc_opts o = { 0 };
	char *out = NULL, *errout = NULL;
	const char *appliance;
	int rc;

	if (output)
		*output = NULL;
	for (size_t i = 0; i < c->nvars; i++)
		env_add(&env, c->vars[i].key, c->vars[i].value);
	/* the derived values fast-vm's hacks rely on, after the file's own
	 * so that they cannot be overridden by it */
	env_add(&env, "VM_PREFIX", c->vm_prefix);
	env_add(&env, "THINPOOL_VG", c->thinpool_vg);
	env_add(&env, "LIBVIRT_NETWORK", c->libvirt_network);
	snprintf(num, sizeof(num), "%d", c->subnet);
	env_add(&env, "SUBNET_NUMBER", num);
	env_add(&env, "VM_NAME", v->vm_name);
	if (!v->mac) {
		vm_mac(c, v->number, mac);
		env_add(&env, "VM_MAC", mac);
	} else {
		env_add(&env, "VM_MAC", v->mac);
	}
	vm_hex(v->number, hex);
	env_add(&env, "VM_HEX_NUMBER", hex);
	snprintf(num, sizeof(num), "%d", v->number);
	env_add(&env, "vm_number", num);
	env_add(&env, "image_name", v->image);
	env_add(&env, "profile_name", v->profile ? v->profile : "");
	/* the fixed appliance create's own customisation uses (one the
	 * caller's LIBGUESTFS_PATH names is inherited as it is) */
	appliance = guest_appliance_dir(c->appliance);
	if (appliance && guest_appliance_check(appliance) < 0) {
		err_clear();
		appliance = NULL;
	}
	if (appliance)
		env_add(&env, "LIBGUESTFS_PATH", appliance);
	o.env = env.v;
	rc = proc_run_opts(argv, &o, &out, &errout);
	if (rc > 0) {
		char *last = proc_last_line(errout && *errout ? errout : out);

		err_set(FVM_EXIT_FAIL,
			"hack file %s failed with exit status %d%s%s", path, rc,
			*last ? ": " : "", last);
		free(last);
	}
	if (output) {
		struct sbuf sb = SBUF_INIT;

		sbuf_adds(&sb, out ? out : "");
		sbuf_adds(&sb, errout ? errout : "");
		*output = sbuf_detach(&sb);
	}
	free(out);
	free(errout);
	strv_release(&env);
	return rc == 0 ? 0 : -1;
}
