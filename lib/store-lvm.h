/* lib/store-lvm.h: what the lvm backend shares: lvs' JSON report, running lvm commands, dm names. */
#ifndef FVM_STORE_LVM_H
#define FVM_STORE_LVM_H

/* The string value of "key" inside [p, end), malloc'd, or NULL. LVM's
 * names and numbers never need escapes; a value with one is refused. */
char *lvm_json_field(const char *p, const char *end, const char *key);
/* Calls fn for each {...} object of a report (NUL-terminated) that holds
 * "lv_name", with end pointing at its closing brace. */
void lvm_json_each_lv(const char *json,
		      void (*fn)(const char *obj, const char *end, void *arg),
		      void *arg);

/*
 * Run an lvm (or dmsetup/thin tools) command with LVM's environment.
 * Returns 0, or -1 with "CMD: last stderr line" recorded. *out gets
 * stdout when out is set; ok_when, when set, is a message meaning there
 * was nothing to do.
 */
int lvm_run(char *const argv[], char **out, const char *ok_when);
/* The device-mapper name of VG/LV: '-' inside each name doubled, then
 * joined by '-'; layer ("tpool", "tmeta") is appended after a '-' when
 * set. malloc'd. */
char *lvm_dm_name(const char *vg, const char *lv, const char *layer);

#endif
