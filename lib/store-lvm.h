/* lib/store-lvm.h: the pure parts of the lvm backend: reading lvs' JSON report. */
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

#endif
