#!/bin/bash
# tests/e2e/customize-distro.sh: create's customisation on a guest that inspects as Debian with systemd and SELinux.
#
# The test guest is made to look like Debian (/etc/debian_version), with
# systemd and an enforcing SELinux policy, by guestfish; nothing boots:
# guestfish reads back what fvm wrote. Runs inside the lab namespace.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

P=fvmcusd-
NET=fvmtest-cusd
SUBNET=130
IMG=dtest
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

e2e_setup $P $NET $SUBNET cusd
e2e_image $IMG
img=$store/images/$P$IMG.raw

# Debian 12 with systemd, a user, an enforcing targeted policy
cat >"$T_TMP/prep.gf" <<'GF'
write /etc/debian_version "12.5\n"
write /etc/os-release "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
write /etc/hosts "127.0.0.1\tlocalhost\n127.0.1.1\told-name\n::1\tlocalhost\n"
write /etc/timezone "Etc/UTC\n"
write /etc/machine-id "0123456789abcdef0123456789abcdef\n"
mkdir-p /etc/systemd/system
mkdir-p /lib/systemd
write /lib/systemd/systemd "not really"
write-append /etc/passwd "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
mkdir-p /home/alice
chown 1000 1000 /home/alice
mkdir-p /usr/share/zoneinfo/America
write /usr/share/zoneinfo/America/New_York "TZif"
mkdir-p /etc/selinux/targeted/contexts/files
write /etc/selinux/config "SELINUX=enforcing\nSELINUXTYPE=targeted\n"
write /etc/selinux/targeted/contexts/files/file_contexts "/.*\tsystem_u:object_r:etc_t:s0\n"
GF
t_run "make the image look like Debian" 0 guestfish --format=raw -a "$img" -i -f "$T_TMP/prep.gf"

ssh-keygen -q -t ed25519 -N '' -C alice-key -f "$T_TMP/alice"
cat >"$T_TMP/etc/customize-$IMG.conf" <<CONF
hostname = web1.example.com
timezone = America/New_York
ssh-key = alice:$T_TMP/alice.pub
machine-id = empty
firstboot-command = touch /root/first
CONF
t_run "create on the Debian-like guest" 0 fvm create $IMG 42
t_nomatch "no distribution warning on Debian" "distribution" "$T_ERR"
disk=$store/vms/$P$IMG-42.qcow2
cat >"$T_TMP/check.gf" <<'GF'
cat /etc/hostname
echo ---
cat /etc/hosts
echo ---
readlink /etc/localtime
cat /etc/timezone
echo ---
stat /etc/machine-id | grep -E "^size"
echo ---
cat /home/alice/.ssh/authorized_keys
stat /home/alice/.ssh | grep -E "^(mode|uid|gid)"
stat /home/alice/.ssh/authorized_keys | grep -E "^(mode|uid|gid)"
echo ---
cat /etc/systemd/system/multi-user.target.wants/fvm-firstboot.service
ls /var/lib/fvm/firstboot
echo ---
-getxattr /etc/hostname security.selinux
-is-file /.autorelabel
GF
t_run "read back with guestfish" 0 guestfish --ro --format=qcow2 -a "$disk" -i -f "$T_TMP/check.gf"
out=$T_OUT
part() { printf '%s\n' "$out" | awk -v n="$1" '/^---$/ {i++; next} i == n'; }
t_eq "hostname" "web1.example.com" "$(part 0)"
t_eq "Debian's 127.0.1.1 line replaced" "127.0.0.1	localhost
127.0.1.1	web1.example.com web1
::1	localhost" "$(part 1)"
t_eq "time zone link and /etc/timezone" "/usr/share/zoneinfo/America/New_York
America/New_York" "$(part 2)"
t_eq "machine-id emptied" "size: 0" "$(part 3)"
t_eq "key in alice's authorized_keys" "$(cat "$T_TMP/alice.pub")" "$(part 4 | head -1)"
# guestfish prints modes in decimal: 16832 = 040700, 33152 = 0100600
t_eq "alice owns .ssh 0700 and authorized_keys 0600" "mode: 16832
uid: 1000
gid: 1000
mode: 33152
uid: 1000
gid: 1000" "$(part 4 | tail -6)"
t_match "systemd oneshot unit enabled" "Type=oneshot" "$(part 5)"
t_match "first-boot command queued" "^0001$" "$(part 5)"
# relabelled by the guest's policy, or asked of the guest at its next boot
sel=$(part 6)
if printf '%s\n' "$sel" | grep -q "etc_t"; then
	t_ok "SELinux: touched files relabelled"
elif printf '%s\n' "$sel" | grep -q "^true$"; then
	t_ok "SELinux: touched files relabelled (by /.autorelabel)"
else
	t_fail "SELinux: touched files relabelled" "$sel"
fi
t_run "delete 42" 0 fvm delete -q 42
