/* lib/virt.h: fvm's use of libvirt: connection, domains, metadata, events. */
#ifndef FVM_VIRT_H
#define FVM_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <libvirt/libvirt.h>

#include "conf.h"
#include "meta.h"

struct virt;

/*
 * Connect to conf->connect_uri (conf_connect's choice; the message of a
 * failure says where it came from). libvirt's own error printing is off:
 * every libvirt error reaches the caller through lib/err. With events,
 * the default event loop is registered first (wait, console) and a
 * thread runs it.
 */
struct virt *virt_open(const struct fvm_conf *c, bool events);
void virt_close(struct virt *v);
virConnectPtr virt_conn(struct virt *v);

/* A VM as fvm sees it: a domain named ${VM_PREFIX}IMAGE-N. */
struct vm_entry {
	int number;    /* N, or -1 for an image's base VM */
	char *name;    /* domain name */
	char *image;   /* IMAGE part of the name */
	int state;     /* virDomainState */
	bool has_meta; /* description in fast-vm's format */
	struct vm_meta meta;
	virDomainPtr dom;
};

/*
 * Every fvm VM with its state, in one libvirt round trip; with
 * with_meta, also each one's title/description. Sorted by number.
 */
int virt_list_vms(struct virt *v, const struct fvm_conf *c, bool with_meta,
		  struct vm_entry **vms, size_t *n);
void virt_vms_free(struct vm_entry *vms, size_t n);
/* The VM numbered n (any image) with its metadata; FVM_EXIT_NOTFOUND when
 * there is none, FVM_EXIT_CONFLICT when several domains carry n. */
int virt_find_vm(struct virt *v, const struct fvm_conf *c, int n,
		 struct vm_entry *out);
void virt_vm_release(struct vm_entry *e);

/* Define a domain; FVM_EXIT_CONFLICT when its name is taken. The XML is
 * validated against libvirt's schema (the error says what is wrong). */
virDomainPtr virt_define(struct virt *v, const char *xml);
/* The same, without the schema check when validate is false: for more
 * domains from a template whose first domain passed it. */
virDomainPtr virt_define_opt(struct virt *v, const char *xml, bool validate);
/* What libvirt's parser says of XML its schema refused (malloc'd), or
 * NULL when the parser takes it. */
char *virt_explain_schema_error(const char *xml);
/* Undefine with NVRAM, managed save and snapshot metadata; destroy
 * first when running. Missing domain is not an error. */
int virt_remove_domain(struct virt *v, virDomainPtr dom);

/* Title and description in fast-vm's format (config, and live when the
 * domain runs). get reads the config copy, as fast-vm does; no
 * description is FVM_EXIT_NOTFOUND, another format FVM_EXIT_FAIL. */
int virt_set_meta(virDomainPtr dom, int n, const struct vm_meta *m);
/* The domain XML with that title and description in it (malloc'd), so
 * that one define sets them: the same text as virt_set_meta's. */
char *virt_xml_set_meta(const char *xml, int n, const struct vm_meta *m);
int virt_get_meta(virDomainPtr dom, struct vm_meta *m);

/* MAC of the domain's first NIC on network (malloc'd); NULL with
 * FVM_EXIT_NOTFOUND when it has none. */
char *virt_domain_mac(virDomainPtr dom, const char *network);

/* start and destroy in the wrong state fail with FVM_EXIT_CONFLICT */
int virt_start(virDomainPtr dom);
int virt_destroy(virDomainPtr dom);
/* ACPI power button */
int virt_shutdown(virDomainPtr dom);
/* Wait until the domain reaches state (VIR_DOMAIN_SHUTOFF / RUNNING)
 * or timeout_ms passes (FVM_EXIT_FAIL "timed out"; < 0: no limit); needs
 * events. A transient domain that vanished counts as shut off. */
int virt_wait_state(struct virt *v, virDomainPtr dom, int state,
		    int timeout_ms);
const char *virt_state_name(int state); /* "running", "shut off", ... */

/* Whether domains of type kvm can run here (domain capabilities). */
bool virt_kvm_usable(struct virt *v);

#endif
