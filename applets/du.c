/* applets/du.c: `fvm du`: show per-VM and pool disk usage, shared and unshared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/space.h"
#include "../lib/reconcile.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool json;
} opt;

static const struct opt du_opts[] = {
	OPT_JSON(&opt.json),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info du_info = {
	.usage = "[N...|all]",
	.description =
		"Show how much of the pool each VM takes, as fast-vm's "
		"disk_usage did: its disk size and how much of it is "
		"allocated, split into what it shares with its image (stored "
		"once, whatever the number of VMs) and what is its own (what "
		"the guest changed: freed when the VM is deleted), with a bar "
		"of 20 segments ('.' shared, '#' own). Then one line per "
		"image with its VMs' own space, and the pool's use. Without N "
		"(or with all) every VM and image is shown.\n"
		"lvm: the split comes from the thin pool's metadata (thin_ls "
		"from thin-provisioning-tools, on a metadata snapshot; needs "
		"root); without it only the allocation is known and the split "
		"shows as '-'. dir: from the files' extents (FIEMAP): a qcow2 "
		"overlay's allocation is its own and its image's allocation "
		"is shared; in reflink copies the extents the filesystem "
		"marks shared are shared.\n"
		"--json prints one object per VM, image and the pool (kind "
		"vm, image or pool) with sizes in bytes: size, allocated, "
		"shared, unshared (null when unknown) and, for images, vms "
		"and vms_unshared.\n"
		"Exit status 3: no VM N.",
	.opts = du_opts,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM },
	.repeat_last = true,
	.examples = "The space every VM and image takes, then VM 42's alone:\n"
		    "$ fvm du\n"
		    "$ fvm du 42",
	.see_also = "fvm-list(1), fvm-images(1), lvs(8)",
};

enum {
	U_KIND,
	U_VM,
	U_NAME,
	U_IMAGE,
	U_OWNER,
	U_SIZE,
	U_ALLOC,
	U_SHARED,
	U_UNSHARED,
	U_VMS,
	U_VMS_UNSHARED,
	U_COUNT
};

static const struct out_col du_cols[U_COUNT] = {
	[U_KIND] = { "kind", "Kind", OUT_STR },
	[U_VM] = { "vm", "VM#", OUT_INT },
	[U_NAME] = { "name", "Name", OUT_STR },
	[U_IMAGE] = { "image", "Image", OUT_STR },
	[U_OWNER] = { "owner", "User", OUT_STR },
	[U_SIZE] = { "size", "Size", OUT_INT },
	[U_ALLOC] = { "allocated", "Allocated", OUT_INT },
	[U_SHARED] = { "shared", "Shared", OUT_INT },
	[U_UNSHARED] = { "unshared", "Unshared", OUT_INT },
	[U_VMS] = { "vms", "VMs", OUT_INT },
	[U_VMS_UNSHARED] = { "vms_unshared", "VMs' own", OUT_INT },
};

/* fast-vm's 20-segment bar; like it, a part that rounds to nothing
 * still gets one segment */
static void bar(const struct du_usage *u, char out[23])
{
	int s = 0, o = 0;

	memset(out, ' ', 22);
	out[0] = '[';
	out[21] = ']';
	out[22] = '\0';
	if (!u->split_known || !u->size)
		return;
	s = (int)((double)u->shared * 20 / (double)u->size);
	o = (int)((double)u->unshared * 20 / (double)u->size);
	if (s < 1)
		s = 1;
	if (o < 1)
		o = 1;
	if (s > 19)
		s = 19;
	if (s + o > 20)
		o = 20 - s;
	memset(out + 1, '.', (size_t)s);
	memset(out + 1 + s, '#', (size_t)o);
}

static void put_usage(struct out_table *t, const struct du_usage *u)
{
	out_int(t, U_SIZE, (long long)u->size);
	out_int(t, U_ALLOC, (long long)u->allocated);
	if (u->split_known) {
		out_int(t, U_SHARED, (long long)u->shared);
		out_int(t, U_UNSHARED, (long long)u->unshared);
	} else {
		out_str(t, U_SHARED, NULL);
		out_str(t, U_UNSHARED, NULL);
	}
}

struct image_sum {
	char *image, *disk;
	size_t vms;
	uint64_t vms_unshared;
	bool split_known;
};

static struct image_sum *image_of(struct image_sum **v, size_t *n,
				  const char *image, const char *disk)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].image, image))
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] =
		(struct image_sum){ xstrdup(image), xstrdup(disk), 0, 0, true };
	return &(*v)[(*n)++];
}

/* One run of du: what was asked, what was found, the rows collected. */
struct du_run {
	struct fvm_conf *c;
	struct store *s;
	struct du *d;
	bool all, lvm;
	struct vmlist l;
	struct vm_entry *vms;
	size_t nvms;
	struct image_sum *imgs;
	size_t nimgs;
	struct store_pool pool;
	struct out_table *t; /* every row, for JSON */
	struct sbuf rows;    /* fast-vm's table lines */
	int rc;
};

static bool vm_wanted(const struct du_run *r, int number)
{
	if (r->all)
		return number >= 0;
	for (size_t j = 0; j < r->l.len; j++)
		if (r->l.n[j] == number)
			return true;
	return false;
}

static void vm_row(struct du_run *r, const struct vm_entry *e,
		   struct image_sum *is, const char *image)
{
	const char *owner = e->has_meta ? e->meta.owner : NULL;
	struct out_table *t = r->t;
	struct du_usage u;
	char size[64], b[23];

	out_row(t);
	out_str(t, U_KIND, "vm");
	out_int(t, U_VM, e->number);
	out_str(t, U_NAME, e->name);
	out_str(t, U_IMAGE, e->image);
	out_str(t, U_OWNER, owner);
	if (du_disk(r->d, e->name, image, &u) < 0) {
		warning("VM %d: %s", e->number, err_msg());
		err_clear();
		r->rc = FVM_EXIT_FAIL;
		return;
	}
	put_usage(t, &u);
	is->vms_unshared += u.unshared;
	is->split_known = is->split_known && u.split_known;
	fastvm_size_text(u.size, u.allocated, size, sizeof(size));
	bar(&u, b);
	if (u.split_known)
		sbuf_addf(&r->rows,
			  "%-3d %-12s %-8s  %8s %7.3fg   %7.3fg  %s\n",
			  e->number, e->image, owner ? owner : "", size,
			  (double)u.shared / GIB, (double)u.unshared / GIB, b);
	else
		sbuf_addf(&r->rows, "%-3d %-12s %-8s  %8s %7s    %7s   %s\n",
			  e->number, e->image, owner ? owner : "", size, "-",
			  "-", b);
}

/* the VMs' rows; every VM counts towards its image's sums */
static void collect_vms(struct du_run *r)
{
	for (size_t i = 0; i < r->nvms; i++) {
		struct vm_entry *e = &r->vms[i];
		char *image = vm_name(r->c, e->image, -1);
		struct image_sum *is =
			image_of(&r->imgs, &r->nimgs, e->image, image);

		if (e->number >= 0)
			is->vms++;
		if (vm_wanted(r, e->number))
			vm_row(r, e, is, image);
		free(image);
	}
}

static bool image_shown(const struct du_run *r, const struct image_sum *is)
{
	if (r->all)
		return true;
	for (size_t j = 0; j < r->nvms; j++)
		for (size_t k = 0; k < r->l.len; k++)
			if (r->vms[j].number == r->l.n[k] &&
			    !strcmp(r->vms[j].image, is->image))
				return true;
	return false;
}

static void image_row(struct du_run *r, const struct image_sum *is)
{
	struct out_table *t = r->t;
	struct du_usage u;
	char size[64];

	out_row(t);
	out_str(t, U_KIND, "image");
	out_str(t, U_VM, NULL);
	out_str(t, U_NAME, is->disk);
	out_str(t, U_IMAGE, is->image);
	out_str(t, U_OWNER, NULL);
	out_int(t, U_VMS, (long long)is->vms);
	if (is->split_known)
		out_int(t, U_VMS_UNSHARED, (long long)is->vms_unshared);
	else
		out_str(t, U_VMS_UNSHARED, NULL);
	if (du_disk(r->d, is->disk, NULL, &u) < 0) {
		warning("image %s: %s", is->image, err_msg());
		err_clear();
		r->rc = FVM_EXIT_FAIL;
		return;
	}
	put_usage(t, &u);
	fastvm_size_text(u.size, u.allocated, size, sizeof(size));
	sbuf_addf(&r->rows, "=== Image %s: %s, %zu VM%s", is->image, size,
		  is->vms, is->vms == 1 ? "" : "s");
	if (is->split_known)
		sbuf_addf(&r->rows, " with %.3fg of their own\n",
			  (double)is->vms_unshared / GIB);
	else
		sbuf_addc(&r->rows, '\n');
}

/* images: every one with all, else those of the VMs shown */
static void collect_images(struct du_run *r)
{
	if (r->all) {
		char **names = store_list(r->s, r->c->vm_prefix);

		if (!names)
			die_err();
		for (char **p = names; *p; p++)
			if (reconcile_vm_number(r->c->vm_prefix, *p) < 0)
				image_of(&r->imgs, &r->nimgs,
					 *p + strlen(r->c->vm_prefix), *p);
		store_list_free(names);
	}
	for (size_t i = 0; i < r->nimgs; i++)
		if (image_shown(r, &r->imgs[i]) &&
		    store_exists(r->s, r->imgs[i].disk))
			image_row(r, &r->imgs[i]);
}

static void collect_pool(struct du_run *r)
{
	if (store_pool_status(r->s, &r->pool) < 0) {
		warning("%s", err_msg());
		err_clear();
		r->pool.size = 0;
		return;
	}
	out_row(r->t);
	out_str(r->t, U_KIND, "pool");
	out_str(r->t, U_VM, NULL);
	out_str(r->t, U_NAME, r->lvm ? r->c->thinpool_lv : r->c->store_dir);
	out_int(r->t, U_SIZE, (long long)r->pool.size);
	out_int(r->t, U_ALLOC, (long long)r->pool.used);
}

/* fast-vm's disk_usage table */
static void render_human(const struct du_run *r)
{
	if (r->pool.size)
		printf("=== %s space used: %6.2f%% of %6.2fg\n",
		       r->lvm ? "Thinpool" : "Store",
		       100.0 * (double)r->pool.used / (double)r->pool.size,
		       (double)r->pool.size / GIB);
	printf("VM# Image name    User     Size( %%aloc )   Shared   "
	       "Unshared  ('.'-Shared, '#'-Unshared)\n");
	fputs(r->rows.s ? r->rows.s : "", stdout);
}

static void du_run_release(struct du_run *r)
{
	sbuf_release(&r->rows);
	out_table_free(r->t);
	du_close(r->d);
	for (size_t i = 0; i < r->nimgs; i++) {
		free(r->imgs[i].image);
		free(r->imgs[i].disk);
	}
	free(r->imgs);
	virt_vms_free(r->vms, r->nvms);
	vmlist_release(&r->l);
}

int du_main(int argc, char **argv)
{
	struct du_run r = { .all = true, .rows = SBUF_INIT };
	int rc;

	applet_args(&argc, &argv);
	if (argc > 0 && !(argc == 1 && !strcmp(argv[0], "all"))) {
		vm_parse_numbers(argc, argv, &r.l);
		r.all = false;
	}
	r.c = applet_conf();
	r.s = vm_store();
	r.lvm = store_caps(r.s) & STORE_CAP_THIN_POOL;
	if (virt_list_vms(vm_virt(false), r.c, true, &r.vms, &r.nvms) < 0)
		die_err();
	for (size_t i = 0; i < r.l.len; i++) {
		bool found = false;

		for (size_t j = 0; j < r.nvms && !found; j++)
			found = r.vms[j].number == r.l.n[i];
		if (!found)
			die(FVM_EXIT_NOTFOUND, "no VM %d", r.l.n[i]);
	}
	r.d = du_open(r.s, r.c);
	if (du_split_missing(r.d))
		warning("shared and own space unknown: %s",
			du_split_missing(r.d));
	r.t = out_table_new(du_cols, U_COUNT);
	collect_vms(&r);
	collect_images(&r);
	collect_pool(&r);
	if (opt.json)
		out_print_list(r.t, OUT_JSON, stdout);
	else
		render_human(&r);
	rc = r.rc;
	du_run_release(&r);
	return rc;
}
