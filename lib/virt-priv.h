/* lib/virt-priv.h: what lib/virt.c shares with lib/dhcp.c, and no one else. */
#ifndef FVM_VIRT_PRIV_H
#define FVM_VIRT_PRIV_H

#include <stdbool.h>
#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

struct virt {
	virConnectPtr conn;
	bool events;
};

/* Keep libvirt's error of this thread before anything else clears it. */
int virt_save(void);
/*
 * Record the kept libvirt error as "WHAT: LIBVIRT'S MESSAGE"; the exit code
 * class follows what libvirt said (missing object: not found; refused in
 * the object's state: conflict). Returns -1.
 */
int virt_fail_saved(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the comma operator saves the error before the arguments run */
#define virt_fail(...) (virt_save(), virt_fail_saved(__VA_ARGS__))
/* whether the driver refused a flag it does not know */
bool virt_flag_refused(void);
const char *virt_net_name(virNetworkPtr net);

/* Parse text (what names it in the error); NULL with the error recorded. */
xmlDocPtr virt_xml_parse(const char *text, const char *what);
/* The attribute's value (malloc'd), or NULL. */
char *virt_xml_attr(xmlNodePtr n, const char *name);
/* Nodes matching expr, with $var bound to value when var is set. */
xmlXPathObjectPtr virt_xml_find(xmlDocPtr doc, const char *expr,
				const char *var, const char *value);
int virt_xml_count(xmlXPathObjectPtr r);

#endif
