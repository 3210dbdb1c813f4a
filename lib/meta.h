/* lib/meta.h: fast-vm's VM metadata kept in the domain's title and description. */
#ifndef FVM_META_H
#define FVM_META_H

#include <stdbool.h>
#include <time.h>

/*
 * fast-vm 1.7 keeps in <description>: "1,<owner>,<epoch>,<profile or --->,<note>"
 * (the note may itself contain commas; epoch is the last activity time)
 * and in <title>: "<NNN> <owner>[ <note>]" (N zero-padded to three
 * digits) so that virt-manager shows it. fast-vm reads and writes both
 * in the persistent definition (virsh desc --config).
 */
struct vm_meta {
	char *owner;	 /* user name, "" when unknown */
	time_t activity; /* last activity, 0 when unknown */
	char *profile;	 /* NULL when none ("---") */
	char *note;	 /* "" when none */
};

/* Parse a description; anything not in fast-vm's format gives -1 (err set). */
int meta_parse(const char *desc, struct vm_meta *m);
/* The description text for m (malloc'd). */
char *meta_format_description(const struct vm_meta *m);
/* The title text for VM n (malloc'd); line breaks become spaces. */
char *meta_format_title(int n, const struct vm_meta *m);
void meta_release(struct vm_meta *m);

#endif
