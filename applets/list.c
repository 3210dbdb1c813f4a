/* applets/list.c: `fvm list`: fast-vm's VM table, or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool is_short, json;
} opt;

static const struct opt list_opts[] = {
	OPT_BOOL('s', "short", &opt.is_short,
		 "VM numbers only, one a line (fast-vm's short)"),
	OPT_JSON(&opt.json),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info list_info = {
	.usage = "[all|active|inactive]",
	.description =
		"List VMs with fast-vm's columns: number, image, state, "
		"profile, disk size and how much of it the VM has written, "
		"days since the last activity, and owner and note; then the "
		"space used in the pool. active lists running VMs, inactive "
		"the others. VMs made by fast-vm are listed the same way.\n"
		"The states of all VMs come in one libvirt round trip and no "
		"process is spawned. --json gives sizes in bytes and times in "
		"ISO 8601 UTC.",
	.opts = list_opts,
	.max_args = 1,
	.args = { OPT_C_WORDS },
	.examples =
		"List every VM, then the numbers of the running ones only:\n"
		"$ fvm list\n"
		"$ fvm list -s active\n"
		"The list as JSON, for a script:\n"
		"$ fvm list --json",
	.see_also = "fvm-info(1), fvm-du(1)",
};

enum {
	L_NUMBER,
	L_IMAGE,
	L_STATE,
	L_PROFILE,
	L_SIZE,
	L_ACTIVITY,
	L_NOTES,
	L_NAME,
	L_OWNER,
	L_NOTE,
	L_DISK_SIZE,
	L_DISK_ALLOC,
	L_ACTIVITY_TIME,
	L_COUNT
};

/* the widths and gaps of fast-vm's printf formats */
static const struct out_col list_cols[L_COUNT] = {
	[L_NUMBER] = { "number", "VM#", OUT_INT, OUT_RIGHT, 3 },
	[L_IMAGE] = { "image", "Image name", OUT_STR, 0, 15, 1 },
	[L_STATE] = { "state", "Status", OUT_STR, 0, 12, 1 },
	[L_PROFILE] = { "profile", "Profile_name", OUT_STR, 0, 15, 1, "---" },
	[L_SIZE] = { "size_text", "Size( %used )", OUT_STR, 0, 13, 1 },
	[L_ACTIVITY] = { "activity_text", "Activity", OUT_STR, OUT_RIGHT, 8,
			 2 },
	[L_NOTES] = { "notes_text", "Notes", OUT_STR, 0, 0, 2 },
	[L_NAME] = { "name", "Name", OUT_STR, OUT_JSON_ONLY },
	[L_OWNER] = { "owner", "Owner", OUT_STR, OUT_JSON_ONLY },
	[L_NOTE] = { "note", "Note", OUT_STR, OUT_JSON_ONLY },
	[L_DISK_SIZE] = { "disk_size", "Disk size", OUT_INT, OUT_JSON_ONLY },
	[L_DISK_ALLOC] = { "disk_allocated", "Allocated", OUT_INT,
			   OUT_JSON_ONLY },
	[L_ACTIVITY_TIME] = { "activity", "Last activity", OUT_STR,
			      OUT_JSON_ONLY },
};

/*
 * The table is printed with fast-vm's own printf formats, not as a table
 * whose columns widen: scripts cut fast-vm's output at fixed columns, so
 * a long value overflows its column as it did there.
 */
#define FASTVM_HEADER "%3s %-15s %-12s %-15s %-13s  %-8s  %s\n"

static void fastvm_row(struct sbuf *rows, const struct vm_entry *e,
		       const char *size, const char *activity)
{
	char *head = xasprintf("%3d %-15s %s", e->number, e->image,
			       virt_state_name(e->state));

	sbuf_addf(rows, "%-32s %-15s %-13s  %8s  %s%s%s\n", head,
		  !e->has_meta	  ? "" :
		  e->meta.profile ? e->meta.profile :
				    "---",
		  size, activity, e->has_meta ? e->meta.owner : "",
		  e->has_meta ? ": " : "", e->has_meta ? e->meta.note : "");
	free(head);
}

int list_main(int argc, char **argv)
{
	enum out_mode mode;
	struct fvm_conf *c;
	struct vm_entry *vms = NULL;
	struct store_pool pool = { 0 };
	struct out_table *t;
	size_t n = 0;
	const char *which = "all";
	struct sbuf rows = SBUF_INIT;
	bool is_short;
	time_t now = time(NULL);

	applet_args(&argc, &argv);
	is_short = opt.is_short;
	mode = opt.json ? OUT_JSON : OUT_HUMAN;
	if (argc == 1) {
		which = argv[0];
		if (strcmp(which, "all") && strcmp(which, "active") &&
		    strcmp(which, "inactive"))
			usage_error("list shows all, active or inactive VMs, "
				    "not '%s'",
				    which);
	}
	c = applet_conf();
	if (virt_list_vms(vm_virt(false), c, !is_short, &vms, &n) < 0)
		die_err();
	t = out_table_new(list_cols, L_COUNT);
	for (size_t i = 0; i < n; i++) {
		struct vm_entry *e = &vms[i];
		bool active = e->state == VIR_DOMAIN_RUNNING ||
			      e->state == VIR_DOMAIN_PAUSED ||
			      e->state == VIR_DOMAIN_BLOCKED;
		struct store_usage u = { 0 };
		char buf[64], size[64], activity[64] = "";

		if ((!strcmp(which, "active") && !active) ||
		    (!strcmp(which, "inactive") && active))
			continue;
		out_row(t);
		out_int(t, L_NUMBER, e->number);
		out_str(t, L_IMAGE, e->image);
		out_str(t, L_STATE, virt_state_name(e->state));
		out_str(t, L_NAME, e->name);
		if (is_short)
			continue;
		out_str(t, L_PROFILE, e->has_meta ? e->meta.profile : NULL);
		if (store_usage(vm_store(), e->name, &u) == 0 && u.exists) {
			fastvm_size_text(u.size, u.allocated, size,
					 sizeof(size));
			out_str(t, L_SIZE, size);
			out_int(t, L_DISK_SIZE, (long long)u.size);
			out_int(t, L_DISK_ALLOC, (long long)u.allocated);
		}
		err_clear();
		if (e->has_meta && e->meta.activity) {
			snprintf(activity, sizeof(activity), "%lldd ago",
				 (long long)(now - e->meta.activity) / 86400);
			out_str(t, L_ACTIVITY, activity);
			vm_iso_time(e->meta.activity, buf);
			out_str(t, L_ACTIVITY_TIME, buf);
		}
		if (e->has_meta) {
			char *notes = xasprintf("%s: %s", e->meta.owner,
						e->meta.note);

			out_str(t, L_NOTES, notes);
			out_str(t, L_OWNER, e->meta.owner);
			out_str(t, L_NOTE, e->meta.note);
			free(notes);
		}
		fastvm_row(&rows, e, u.exists ? size : "", activity);
	}
	if (is_short && mode == OUT_HUMAN) {
		out_print_list(t, OUT_QUIET, stdout);
	} else {
		if (mode == OUT_HUMAN) {
			printf(FASTVM_HEADER, "VM#", "Image name", "Status",
			       "Profile_name", "Size( %used )", "Activity",
			       "Notes");
			fputs(rows.s ? rows.s : "", stdout);
		} else
			out_print_list(t, mode, stdout);
		if (mode == OUT_HUMAN &&
		    store_pool_status(vm_store(), &pool) == 0 && pool.size) {
			char size[32];

			/* fast-vm pads lvs's "50.00g", unit included, to 7 */
			snprintf(size, sizeof(size), "%.2fg",
				 (double)pool.size / (1024.0 * 1024 * 1024));
			printf("=== Space used: %6.2f%% of %7s\n",
			       100.0 * (double)pool.used / (double)pool.size,
			       size);
		}
		err_clear();
	}
	sbuf_release(&rows);
	out_table_free(t);
	virt_vms_free(vms, n);
	return 0;
}
