/* tests/tools/virt-tool.c: drives lib/virt for tests/e2e/virt.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dhcp.h"
#include "err.h"
#include "util.h"
#include "virt.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: virt-tool [-c URI] COMMAND ARG...\n"
		"  dhcp-add NET MAC IP [NAME]   add (replacing stale entries)\n"
		"  dhcp-remove NET MAC|- IP|-   remove, prints how many went\n"
		"  dhcp-hosts NET               MAC IP NAME per line\n"
		"  lease NET MAC                the leased address\n"
		"  release NET MAC IP           dhcp_release the lease\n"
		"  define FILE                  define, prints the name\n"
		"  remove NAME                  destroy and undefine\n"
		"  meta-set NAME N OWNER NOTE   title and description\n"
		"  meta-get NAME                owner, activity, profile, "
		"note\n"
		"  list                         N IMAGE STATE NAME per VM\n"
		"  mac NAME NET                 the domain's MAC on NET\n"
		"  start|destroy|shutdown NAME\n"
		"  wait NAME running|shutoff MS\n"
		"The config is FVM_CONFIG's (or defaults); -c overrides its "
		"URI.\n"
		"Exit codes are lib/err's.\n");
	exit(FVM_EXIT_USAGE);
}

static int fail(void)
{
	fprintf(stderr, "virt-tool: error: %s\n", err_msg());
	return err_code();
}

static const char *dash_null(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

static virDomainPtr lookup(struct virt *v, const char *name)
{
	virDomainPtr d = virDomainLookupByName(virt_conn(v), name);

	if (!d)
		err_set(FVM_EXIT_NOTFOUND, "no domain %s", name);
	return d;
}

static char *read_file(const char *path)
{
	char *text;
	size_t len;

	return read_file_max(path, 16 << 20, &text, &len) < 0 ? NULL : text;
}

static int run(struct virt *v, struct fvm_conf *c, int argc, char **argv)
{
	const char *cmd = argv[0];
	virDomainPtr d = NULL;
	int rc = 0;

#define NEED(n)                                                                \
	do {                                                                   \
		if (argc != (n))                                               \
			usage();                                               \
	} while (0)

	if (strcmp(cmd, "dhcp-add") == 0) {
		if (argc != 4 && argc != 5)
			usage();
		return dhcp_add(v, argv[1], argv[2], argv[3],
				argc == 5 ? argv[4] : NULL) < 0 ?
			       fail() :
			       0;
	}
	if (strcmp(cmd, "dhcp-remove") == 0) {
		NEED(4);
		rc = dhcp_remove(v, argv[1], dash_null(argv[2]),
				 dash_null(argv[3]));
		if (rc < 0)
			return fail();
		printf("%d\n", rc);
		return 0;
	}
	if (strcmp(cmd, "dhcp-hosts") == 0) {
		struct dhcp_host *h;
		size_t n;

		NEED(2);
		if (dhcp_hosts(v, argv[1], &h, &n) < 0)
			return fail();
		for (size_t i = 0; i < n; i++)
			printf("%s %s %s\n", h[i].mac ? h[i].mac : "-",
			       h[i].ip ? h[i].ip : "-",
			       h[i].name ? h[i].name : "-");
		dhcp_hosts_free(h, n);
		return 0;
	}
	if (strcmp(cmd, "lease") == 0) {
		char *ip;

		NEED(3);
		ip = dhcp_lease_ip(v, argv[1], argv[2]);
		if (!ip)
			return fail();
		printf("%s\n", ip);
		free(ip);
		return 0;
	}
	if (strcmp(cmd, "release") == 0) {
		NEED(4);
		rc = dhcp_release_lease(v, argv[1], argv[2], argv[3]);
		if (rc < 0)
			return fail();
		if (rc == 1)
			fprintf(stderr, "virt-tool: warning: %s\n", err_msg());
		return 0;
	}
	if (strcmp(cmd, "define") == 0) {
		char *xml;

		NEED(2);
		xml = read_file(argv[1]);
		if (!xml)
			return fail();
		d = virt_define(v, xml);
		free(xml);
		if (!d)
			return fail();
		printf("%s\n", virDomainGetName(d));
		virDomainFree(d);
		return 0;
	}
	if (strcmp(cmd, "list") == 0) {
		struct vm_entry *vms;
		size_t n;

		NEED(1);
		if (virt_list_vms(v, c, true, &vms, &n) < 0)
			return fail();
		for (size_t i = 0; i < n; i++)
			printf("%d %s %s %s %s\n", vms[i].number, vms[i].image,
			       virt_state_name(vms[i].state), vms[i].name,
			       vms[i].has_meta ? vms[i].meta.owner : "-");
		virt_vms_free(vms, n);
		return 0;
	}
	/* the rest work on one domain */
	if (argc < 2)
		usage();
	if (strcmp(cmd, "remove") == 0 || strcmp(cmd, "meta-get") == 0 ||
	    strcmp(cmd, "start") == 0 || strcmp(cmd, "destroy") == 0 ||
	    strcmp(cmd, "shutdown") == 0)
		NEED(2);
	else if (strcmp(cmd, "mac") == 0)
		NEED(3);
	else if (strcmp(cmd, "wait") == 0)
		NEED(4);
	else if (strcmp(cmd, "meta-set") == 0)
		NEED(5);
	else
		usage();
	d = lookup(v, argv[1]);
	if (!d)
		return fail();
	if (strcmp(cmd, "remove") == 0) {
		rc = virt_remove_domain(v, d);
	} else if (strcmp(cmd, "start") == 0) {
		rc = virt_start(d);
	} else if (strcmp(cmd, "destroy") == 0) {
		rc = virt_destroy(d);
	} else if (strcmp(cmd, "shutdown") == 0) {
		rc = virt_shutdown(d);
	} else if (strcmp(cmd, "mac") == 0) {
		char *mac = virt_domain_mac(d, argv[2]);

		if (mac)
			printf("%s\n", mac);
		rc = mac ? 0 : -1;
		free(mac);
	} else if (strcmp(cmd, "wait") == 0) {
		long ms;
		int state = strcmp(argv[2], "running") == 0 ?
				    VIR_DOMAIN_RUNNING :
				    VIR_DOMAIN_SHUTOFF;

		if (!parse_int(argv[3], -1, 3600000, &ms))
			usage();
		rc = virt_wait_state(v, d, state, (int)ms);
	} else if (strcmp(cmd, "meta-set") == 0) {
		struct vm_meta m = { .owner = argv[3],
				     .activity = time(NULL),
				     .note = argv[4] };
		long n;

		if (!parse_int(argv[2], 0, 255, &n))
			usage();
		rc = virt_set_meta(d, (int)n, &m);
	} else {
		struct vm_meta m;

		rc = virt_get_meta(d, &m);
		if (rc == 0) {
			printf("owner=%s\nactivity=%lld\nprofile=%s\nnote=%s\n",
			       m.owner, (long long)m.activity,
			       m.profile ? m.profile : "---", m.note);
			meta_release(&m);
		}
	}
	virDomainFree(d);
	return rc < 0 ? fail() : 0;
#undef NEED
}

int main(int argc, char **argv)
{
	struct fvm_conf c;
	struct virt *v;
	const char *uri = NULL;
	bool events;
	int opt, rc;

	prog_name = "virt-tool";
	while ((opt = getopt(argc, argv, "+c:h")) != -1) {
		if (opt == 'c')
			uri = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (conf_load(&c) < 0 || (uri && conf_connect(&c, uri, true) < 0))
		return fail();
	events = strcmp(argv[0], "wait") == 0;
	v = virt_open(&c, events);
	if (!v) {
		rc = fail();
		conf_release(&c);
		return rc;
	}
	rc = run(v, &c, argc, argv);
	virt_close(v);
	conf_release(&c);
	return rc;
}
