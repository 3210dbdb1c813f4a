/* applets/wait.c: `fvm wait N --state running|shutoff|ssh`: block until a VM is there. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"

static const struct opt wait_opts[] = {
	{ 's', "state", "STATE", "running, shutoff or ssh (default ssh)",
	  OPT_C_WORDS, "running shutoff ssh" },
	{ 't', "timeout", "SECONDS", "give up after this long (default 300)" },
	OPT_QUIET("print nothing but errors"),
	OPT_END
};

const struct applet_info wait_info = {
	.usage = "N...",
	.description =
		"Wait until VM number N is running, has powered off, or "
		"answers on its ssh port with an ssh banner (the default). "
		"The ssh port is polled with a short backoff, not once a "
		"second. On timeout the error says which phase was not "
		"reached: the VM not running, no DHCP lease, or the port "
		"closed.\n"
		"Exit status 1: timed out; 3: no VM N.",
	.opts = wait_opts,
	.args = { OPT_C_VM },
	.repeat_last = true,
};

enum want { WANT_RUNNING, WANT_SHUTOFF, WANT_SSH };

struct wait_ctx {
	enum want want;
	long timeout;
	bool quiet;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One probe of ip:22: connected and the server's banner starts with
 * "SSH-". 1 yes, 0 not yet (*phase says what failed).
 */
static int ssh_answers(const char *ip, int budget_ms, const char **phase)
{
	struct sockaddr_in sa = { 0 };
	struct pollfd p;
	char banner[8];
	int fd, rc = 0, err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	sa.sin_family = AF_INET;
	sa.sin_port = htons(22);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	*phase = "port 22 closed";
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS)
		goto out;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, budget_ms) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		if (err == EHOSTUNREACH || !err)
			*phase = "no answer from the guest";
		goto out;
	}
	*phase = "sshd did not send its banner";
	p.events = POLLIN;
	if (poll(&p, 1, budget_ms) <= 0)
		goto out;
	n = recv(fd, banner, 4, MSG_PEEK);
	rc = n == 4 && !memcmp(banner, "SSH-", 4);
out:
	close(fd);
	return rc;
}

static int wait_ssh(struct wait_ctx *x, struct vm_entry *e, int n)
{
	struct fvm_conf *c = applet_conf();
	long deadline = now_ms() + x->timeout * 1000;
	const char *phase = "VM not running";
	char ip[16];
	int pause = 50;

	vm_ip(c, n, ip);
	for (;;) {
		int state = e->state;
		virDomainInfo info;

		if (virDomainGetInfo(e->dom, &info) == 0)
			state = info.state;
		if (state != VIR_DOMAIN_RUNNING) {
			phase = "VM not running";
		} else if (ssh_answers(ip, 500, &phase)) {
			return 0;
		} else {
			char *mac = virt_domain_mac(e->dom, c->libvirt_network);
			char *lease = mac ? virt_lease_ip(vm_virt(false),
							 c->libvirt_network,
							 mac) :
					    NULL;

			if (!lease)
				phase = "no DHCP lease yet";
			free(lease);
			free(mac);
			err_clear();
		}
		if (now_ms() >= deadline)
			return err_set(FVM_EXIT_FAIL,
				       "VM %d: no ssh on %s after %ld s (%s)",
				       n, ip, x->timeout, phase);
		usleep((useconds_t)pause * 1000);
		if (pause < 500)
			pause *= 2;
	}
}

static int wait_one(int n, void *ctx)
{
	struct wait_ctx *x = ctx;
	struct vm_entry e = { 0 };
	struct virt *v = vm_virt(x->want != WANT_SSH);
	int rc;

	if (virt_find_vm(v, applet_conf(), n, &e) < 0)
		return report_err();
	if (x->want == WANT_SSH)
		rc = wait_ssh(x, &e, n);
	else
		rc = virt_wait_state(v, e.dom,
				     x->want == WANT_RUNNING ?
					     VIR_DOMAIN_RUNNING :
					     VIR_DOMAIN_SHUTOFF,
				     (int)x->timeout * 1000);
	virt_vm_release(&e);
	if (rc < 0)
		return report_err();
	if (!x->quiet)
		printf("VM %d is %s\n", n,
		       x->want == WANT_SSH     ? "reachable over ssh" :
		       x->want == WANT_RUNNING ? "running" :
						 "shut off");
	return 0;
}

int wait_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	struct wait_ctx x = { WANT_SSH, 300, false };
	struct vmlist l;
	const char *arg;
	int c, rc;

	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(arg, "running"))
				x.want = WANT_RUNNING;
			else if (!strcmp(arg, "shutoff"))
				x.want = WANT_SHUTOFF;
			else if (!strcmp(arg, "ssh"))
				x.want = WANT_SSH;
			else
				usage_error("--state is running, shutoff or "
					    "ssh, not '%s'",
					    arg);
			break;
		case 't':
			if (!parse_int(arg, 0, 86400, &x.timeout))
				usage_error("--timeout takes seconds from 0 to "
					    "86400, not '%s'",
					    arg);
			break;
		case 'q': x.quiet = true; break;
		}
	}
	vm_parse_numbers(argc - st.ind, argv + st.ind, &l);
	rc = vm_run_each(&l, wait_one, &x, "ready", x.quiet);
	vmlist_release(&l);
	return rc;
}
