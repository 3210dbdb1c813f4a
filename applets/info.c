/* applets/info.c: `fvm info N`: everything fvm knows of one VM. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool json;
} opt;

static const struct opt info_opts[] = {
	OPT_JSON(&opt.json),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info info_info = {
	.usage = "N",
	.description =
		"Show VM number N: name, IP, MAC, image, profile, owner, note, "
		"state, disk and its usage, last activity. Sizes are bytes, "
		"times ISO 8601 UTC. Like fast-vm, asking counts as activity.\n"
		"Exit status 3: no VM N.",
	.opts = info_opts,
	.min_args = 1,
	.max_args = 1,
	.args = { OPT_C_VM },
	.examples = "Show everything about VM 42, as a table and as JSON:\n"
		    "$ fvm info 42\n"
		    "$ fvm info --json 42",
	.see_also = "fvm-list(1)",
};

enum {
	I_NUMBER,
	I_NAME,
	I_IP,
	I_MAC,
	I_IMAGE,
	I_PROFILE,
	I_OWNER,
	I_NOTE,
	I_STATE,
	I_DISK,
	I_FORMAT,
	I_SIZE,
	I_ALLOCATED,
	I_ACTIVITY,
	I_COUNT
};

static const struct out_col info_cols[I_COUNT] = {
	[I_NUMBER] = { "number", "VM#", OUT_INT },
	[I_NAME] = { "name", "Name", OUT_STR },
	[I_IP] = { "ip", "IP", OUT_STR },
	[I_MAC] = { "mac", "MAC", OUT_STR },
	[I_IMAGE] = { "image", "Image", OUT_STR },
	[I_PROFILE] = { "profile", "Profile", OUT_STR },
	[I_OWNER] = { "owner", "Owner", OUT_STR },
	[I_NOTE] = { "note", "Note", OUT_STR },
	[I_STATE] = { "state", "State", OUT_STR },
	[I_DISK] = { "disk", "Disk", OUT_STR },
	[I_FORMAT] = { "disk_format", "Disk format", OUT_STR },
	[I_SIZE] = { "disk_size", "Disk size", OUT_INT },
	[I_ALLOCATED] = { "disk_allocated", "Disk allocated", OUT_INT },
	[I_ACTIVITY] = { "activity", "Last activity", OUT_STR },
};

int info_main(int argc, char **argv)
{
	enum out_mode mode;
	struct fvm_conf *c;
	struct vm_entry e = { 0 };
	struct store_usage u = { 0 };
	struct out_table *t;
	struct vmlist l;
	char ip[16], when[32], *mac, *disk;
	int n;

	applet_args(&argc, &argv);
	mode = opt.json ? OUT_JSON : OUT_HUMAN;
	c = applet_conf();
	vm_parse_numbers(argc, argv, &l);
	if (l.len != 1)
		usage_error("info takes one VM number");
	n = l.n[0];
	vmlist_release(&l);
	if (virt_find_vm(vm_virt(false), c, n, &e) < 0)
		die_err();
	if (vm_touch(&e) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	vm_ip(c, n, ip);
	mac = virt_domain_mac(e.dom, c->libvirt_network);
	disk = store_disk_path(vm_store(), e.name);
	if (store_usage(vm_store(), e.name, &u) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	t = out_table_new(info_cols, I_COUNT);
	out_row(t);
	out_int(t, I_NUMBER, n);
	out_str(t, I_NAME, e.name);
	out_str(t, I_IP, ip);
	out_str(t, I_MAC, mac);
	out_str(t, I_IMAGE, e.image);
	out_str(t, I_PROFILE, e.has_meta ? e.meta.profile : NULL);
	out_str(t, I_OWNER, e.has_meta && *e.meta.owner ? e.meta.owner : NULL);
	out_str(t, I_NOTE, e.has_meta && *e.meta.note ? e.meta.note : NULL);
	out_str(t, I_STATE, virt_state_name(e.state));
	out_str(t, I_DISK, u.exists ? disk : NULL);
	out_str(t, I_FORMAT,
		u.exists ? store_disk_format(vm_store(), e.name) : NULL);
	if (u.exists) {
		out_int(t, I_SIZE, (long long)u.size);
		out_int(t, I_ALLOCATED, (long long)u.allocated);
	}
	if (e.has_meta && e.meta.activity) {
		vm_iso_time(e.meta.activity, when);
		out_str(t, I_ACTIVITY, when);
	}
	out_print_record(t, mode, stdout);
	out_table_free(t);
	free(mac);
	free(disk);
	virt_vm_release(&e);
	return 0;
}
