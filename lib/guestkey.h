/* lib/guestkey.h: put an ssh public key into a stopped guest's disk with libguestfs. */
#ifndef FVM_GUESTKEY_H
#define FVM_GUESTKEY_H

#include <stdbool.h>

/*
 * Append pubkey (one authorized_keys line) to /root/.ssh/authorized_keys
 * in the OS on disk (format "raw" or "qcow2"), creating .ssh 0700 and the
 * file 0600, both owned by root, with ssh_home_t labels on an SELinux
 * guest. tcg: run the appliance without KVM (unless the caller's
 * LIBGUESTFS_BACKEND_SETTINGS says otherwise); a KVM launch that fails is
 * retried without KVM. Returns 1 when installed, 0 when the key was there
 * already, -1 with the error recorded.
 */
int guestkey_install(const char *disk, const char *format, const char *pubkey,
		     bool tcg);

#endif
