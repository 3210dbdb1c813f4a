/* lib/relay.h: a domain's serial console on this terminal, through a libvirt stream. */
#ifndef FVM_RELAY_H
#define FVM_RELAY_H

#include <stdbool.h>
#include <libvirt/libvirt.h>

/* What ends a console session: this byte on stdin (Ctrl-]). */
#define CONSOLE_ESCAPE 0x1d

/*
 * Connect stdin/stdout to dom's console until the user types Ctrl-], the
 * console closes (the guest powered off) or a SIGINT, SIGTERM or SIGHUP
 * arrives. The connection must run libvirt's default event loop
 * (virt_open with events). A terminal on stdin is switched to raw mode
 * and restored on every way out. force takes the console over from
 * another client. Returns 0 (the user left or the console closed), or
 * -1 with the error recorded (FVM_EXIT_CONFLICT: another client has the
 * console).
 */
int console_attach(virConnectPtr conn, virDomainPtr dom, bool force);

#endif
