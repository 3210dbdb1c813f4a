#!/bin/bash
# tests/e2e/customize-distro.sh: create's customisation on guests that inspect as Debian 12, RHEL 8 and Fedora 38.
#
# The test guest is made to look like each distribution by guestfish: its
# release files, systemd, SELinux, boot loader configs (GRUB, boot loader
# entries, grubenv) and network configs (ifupdown, netplan, ifcfg,
# NetworkManager). Nothing boots: guestfish reads back what fvm wrote.
# Also the fixed appliance: FASTVM_APPLIANCE and LIBGUESTFS_PATH naming
# one that libguestfs-make-fixed-appliance built. Runs inside the lab
# namespace.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

P=fvmt-czd-
NET=fvmtest-czd
SUBNET=130
IMG=dtest
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

e2e_setup $P $NET $SUBNET czd
e2e_image $IMG
img=$store/images/$P$IMG.raw

# the hash in root's /etc/shadow line of the guest output $1 matches $2
hash_matches() {
	python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])' "$2" "$1"
}
pw='distro root pw'
printf '%s\n' "$pw" >"$T_TMP/pw"

# Each libguestfs launch boots an appliance (under TCG here, tens of
# CPU seconds): the three images are made up in one launch and the three
# VM disks read back in one. Each disk holds one partition, the root
# filesystem: in a launch, /dev/sda1, /dev/sdb1 and /dev/sdc1 in the
# order of the -a options.

# Debian 12 with systemd, a user, an enforcing targeted policy, GRUB,
# ifupdown with a static eth0 and netplan
mkdir -p "$T_TMP/deb"
printf 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet static\n    address 10.0.0.5/24\n' >"$T_TMP/deb/interfaces"
printf "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT='quiet console=tty1'\nGRUB_CMDLINE_LINUX=\"\"\n" >"$T_TMP/deb/grub"
printf "menuentry 'Debian GNU/Linux' {\n\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=abc ro  quiet\n\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n}\n" >"$T_TMP/deb/grub.cfg"
cat >"$T_TMP/prep.gf" <<GF
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
mkdir-p /etc/network/interfaces.d
upload $T_TMP/deb/interfaces /etc/network/interfaces
mkdir-p /etc/netplan
mkdir-p /etc/default
upload $T_TMP/deb/grub /etc/default/grub
mkdir-p /boot/grub
upload $T_TMP/deb/grub.cfg /boot/grub/grub.cfg
GF

# --- RHEL 8: ifcfg files, boot loader entries taking $kernelopts from
# grubenv, SHA-512
R8=r8test
e2e_image $R8
mkdir -p "$T_TMP/r8"
{
	printf '# GRUB Environment Block\nsaved_entry=abc-4.18.0\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto console=ttyS0 rhgb quiet\n'
	head -c 1024 /dev/zero | tr '\0' '#'
} | head -c 1024 >"$T_TMP/r8/grubenv"
printf 'title Red Hat Enterprise Linux (4.18.0)\nversion 4.18.0\nlinux /vmlinuz-4.18.0\ninitrd /initramfs-4.18.0.img\noptions $kernelopts $tuned_params\nid rhel-4.18.0\n' >"$T_TMP/r8/entry.conf"
printf 'DEVICE=eth0\nBOOTPROTO=none\nIPADDR=10.0.0.5\nONBOOT=yes\n' >"$T_TMP/r8/ifcfg-eth0"
cat >"$T_TMP/prep8.gf" <<GF
write /etc/os-release "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"8.9 (Ootpa)\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"8.9\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 8.9 (Ootpa)\"\n"
write /etc/redhat-release "Red Hat Enterprise Linux release 8.9 (Ootpa)\n"
mkdir-p /etc/sysconfig/network-scripts
upload $T_TMP/r8/ifcfg-eth0 /etc/sysconfig/network-scripts/ifcfg-eth0
mkdir-p /etc/NetworkManager/system-connections
mkdir-p /boot/loader/entries
upload $T_TMP/r8/entry.conf /boot/loader/entries/abc-4.18.0.conf
mkdir-p /boot/grub2
upload $T_TMP/r8/grubenv /boot/grub2/grubenv
GF

# --- Fedora 38: NetworkManager keyfiles, boot loader entries with their
# own options, /etc/kernel/cmdline, yescrypt
F38=f38test
e2e_image $F38
mkdir -p "$T_TMP/f38"
printf 'title Fedora Linux (6.5.6-200.fc38.x86_64) 38\nversion 6.5.6-200.fc38.x86_64\nlinux /vmlinuz-6.5.6-200.fc38.x86_64\ninitrd /initramfs-6.5.6-200.fc38.x86_64.img\noptions root=UUID=abc ro rootflags=subvol=root rhgb quiet\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n' >"$T_TMP/f38/entry.conf"
printf 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX="rhgb quiet"\nGRUB_ENABLE_BLSCFG=true\n' >"$T_TMP/f38/grub"
cat >"$T_TMP/prep38.gf" <<GF
write /etc/os-release "NAME=\"Fedora Linux\"\nVERSION=\"38 (Cloud Edition)\"\nID=fedora\nVERSION_ID=38\nPRETTY_NAME=\"Fedora Linux 38 (Cloud Edition)\"\n"
write /etc/fedora-release "Fedora release 38 (Thirty Eight)\n"
mkdir-p /etc/NetworkManager/system-connections
mkdir-p /boot/loader/entries
upload $T_TMP/f38/entry.conf /boot/loader/entries/abc-6.5.6-200.fc38.x86_64.conf
mkdir-p /boot/grub2
write /boot/grub2/grub.cfg "insmod blscfg\nblscfg\n"
mkdir-p /etc/default
upload $T_TMP/f38/grub /etc/default/grub
mkdir-p /etc/kernel
write /etc/kernel/cmdline "root=UUID=abc ro rootflags=subvol=root\n"
GF

{
	echo run
	echo "mount /dev/sda1 /"
	cat "$T_TMP/prep.gf"
	echo umount-all
	echo "mount /dev/sdb1 /"
	cat "$T_TMP/prep8.gf"
	echo umount-all
	echo "mount /dev/sdc1 /"
	cat "$T_TMP/prep38.gf"
} >"$T_TMP/prep-all.gf"
t_run "make the images look like Debian 12, RHEL 8 and Fedora 38" 0 guestfish --format=raw \
	-a "$img" -a "$store/images/$P$R8.raw" -a "$store/images/$P$F38.raw" -f "$T_TMP/prep-all.gf"

ssh-keygen -q -t ed25519 -N '' -C alice-key -f "$T_TMP/alice"
cat >"$T_TMP/etc/customize-$IMG.conf" <<CONF
hostname = web1.example.com
timezone = America/New_York
ssh-key = alice:$T_TMP/alice.pub
machine-id = empty
firstboot-command = touch /root/first
root-password-file = pw
serial-console = yes
dhcp = yes
CONF
cp "$T_TMP/pw" "$T_TMP/etc/pw"
t_run "create on the Debian-like guest" 0 fvm create $IMG 42
t_nomatch "no distribution warning on Debian" "distribution" "$T_ERR"
t_nomatch "no serial console or dhcp warning on Debian" "serial console|dhcp" "$T_ERR"
rm -f "$T_TMP/etc/customize-$IMG.conf"

t_run "create on RHEL 8 with password, serial console, dhcp" 0 fvm create \
	--root-password-file "$T_TMP/pw" --serial-console --dhcp $R8 43
t_nomatch "RHEL 8: nothing skipped" "skipped" "$T_ERR"
t_run "create on Fedora 38 with password, serial console, dhcp" 0 fvm create \
	--root-password-file "$T_TMP/pw" --serial-console --dhcp $F38 44
t_nomatch "Fedora 38: nothing skipped" "skipped" "$T_ERR"
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
getxattrs /etc/hostname
is-file /.autorelabel
echo ---
cat /etc/shadow | grep ^root:
echo ---
cat /etc/default/grub
echo ---
cat /boot/grub/grub.cfg
echo ---
cat /etc/network/interfaces
echo ---
cat /etc/network/interfaces.d/fvm-eth0
echo ---
cat /etc/netplan/90-fvm-dhcp.yaml
stat /etc/netplan/90-fvm-dhcp.yaml | grep -E "^mode"
GF
cat >"$T_TMP/check8.gf" <<'GF'
cat /etc/shadow | grep ^root:
echo ---
cat /etc/sysconfig/network-scripts/ifcfg-eth0
echo ---
ls /etc/NetworkManager/system-connections
echo ---
cat /boot/loader/entries/abc-4.18.0.conf
echo ---
cat /boot/grub2/grubenv | head -3
echo ---
filesize /boot/grub2/grubenv
GF
cat >"$T_TMP/check38.gf" <<'GF'
cat /etc/shadow | grep ^root:
echo ---
cat /etc/NetworkManager/system-connections/fvm-dhcp.nmconnection
stat /etc/NetworkManager/system-connections/fvm-dhcp.nmconnection | grep -E "^(mode|uid|gid)"
echo ---
-is-dir /etc/sysconfig/network-scripts
echo ---
cat /boot/loader/entries/abc-6.5.6-200.fc38.x86_64.conf | grep ^options
head /etc/kernel/cmdline
cat /etc/default/grub | grep ^GRUB_CMDLINE_LINUX=
cat /boot/grub2/grub.cfg
GF
{
	echo run
	echo "mount-ro /dev/sda1 /"
	cat "$T_TMP/check.gf"
	echo "echo ==="
	echo umount-all
	echo "mount-ro /dev/sdb1 /"
	cat "$T_TMP/check8.gf"
	echo "echo ==="
	echo umount-all
	echo "mount-ro /dev/sdc1 /"
	cat "$T_TMP/check38.gf"
} >"$T_TMP/check-all.gf"
t_run "read the three disks back with guestfish" 0 guestfish --ro --format=qcow2 \
	-a "$store/vms/$P$IMG-42.qcow2" -a "$store/vms/$P$R8-43.qcow2" \
	-a "$store/vms/$P$F38-44.qcow2" -f "$T_TMP/check-all.gf"
all=$T_OUT
# disk N's output, and part N of $out (split at --- lines)
disk() { printf '%s\n' "$all" | awk -v n="$1" '/^===$/ {i++; next} i == n'; }
part() { printf '%s\n' "$out" | awk -v n="$1" '/^---$/ {i++; next} i == n'; }

out=$(disk 0)
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
hash=$(part 7 | cut -d: -f2)
t_match "Debian 12: root's hash is yescrypt" '^\$y\$' "$hash"
t_eq "Debian 12: the hash matches the password" True "$(hash_matches "$hash" "$pw")"
t_eq "GRUB defaults: console= out of _DEFAULT, ours in GRUB_CMDLINE_LINUX" "GRUB_DEFAULT=0
GRUB_CMDLINE_LINUX_DEFAULT='quiet'
GRUB_CMDLINE_LINUX=\"console=tty0 console=ttyS0,115200n8\"" "$(part 8)"
t_eq "grub.cfg's linux line edited in place" "menuentry 'Debian GNU/Linux' {
	linux	/boot/vmlinuz-6.1.0-18-amd64 root=UUID=abc ro quiet console=tty0 console=ttyS0,115200n8
	initrd	/boot/initrd.img-6.1.0-18-amd64
}" "$(part 9)"
t_eq "ifupdown: the static eth0 stanza commented out" "source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

# fvm: allow-hotplug eth0
# fvm: iface eth0 inet static
# fvm:     address 10.0.0.5/24" "$(part 10)"
t_eq "ifupdown: DHCP on eth0 in interfaces.d" "# fvm: DHCP on the first NIC
auto eth0
iface eth0 inet dhcp" "$(part 11)"
t_match "netplan: DHCP on the ethernet NICs" "dhcp4: true" "$(part 12)"
# 33152 = 0100600
t_match "netplan: the file is 0600" "^mode: 33152$" "$(part 12)"

out=$(disk 1)
hash=$(part 0 | cut -d: -f2)
t_match "RHEL 8: root's hash is SHA-512" '^\$6\$' "$hash"
t_eq "RHEL 8: the hash matches the password" True "$(hash_matches "$hash" "$pw")"
t_eq "RHEL 8: ifcfg-eth0 says dhcp" "# fvm: DHCP on the first NIC
DEVICE=eth0
TYPE=Ethernet
BOOTPROTO=dhcp
ONBOOT=yes" "$(part 1)"
t_eq "RHEL 8: no keyfile beside ifcfg" "" "$(part 2)"
t_match "RHEL 8: the entry keeps \$kernelopts" '^options \$kernelopts \$tuned_params$' "$(part 3)"
t_eq "RHEL 8: kernelopts in grubenv edited" "# GRUB Environment Block
saved_entry=abc-4.18.0
kernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet console=tty0 console=ttyS0,115200n8" "$(part 4)"
t_eq "RHEL 8: grubenv stays 1024 bytes" 1024 "$(part 5)"

out=$(disk 2)
hash=$(part 0 | cut -d: -f2)
t_match "Fedora 38: root's hash is yescrypt" '^\$y\$' "$hash"
t_eq "Fedora 38: the hash matches the password" True "$(hash_matches "$hash" "$pw")"
t_match "Fedora 38: keyfile: DHCP on an ethernet NIC" "type=ethernet" "$(part 1)"
t_match "Fedora 38: keyfile: ipv4 auto" "^method=auto$" "$(part 1)"
t_nomatch "Fedora 38: keyfile bound to no interface name" "interface-name" "$(part 1)"
t_match "Fedora 38: keyfile: a uuid" "^uuid=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" "$(part 1)"
# 33152 = 0100600
t_eq "Fedora 38: keyfile root's and 0600" "mode: 33152
uid: 0
gid: 0" "$(part 1 | tail -3)"
t_eq "Fedora 38: no ifcfg directory made" "false" "$(part 2)"
t_eq "Fedora 38: entry options, kernel cmdline, GRUB defaults; grub.cfg untouched" "options root=UUID=abc ro rootflags=subvol=root rhgb quiet console=tty0 console=ttyS0,115200n8
root=UUID=abc ro rootflags=subvol=root console=tty0 console=ttyS0,115200n8
GRUB_CMDLINE_LINUX=\"rhgb quiet console=tty0 console=ttyS0,115200n8\"
insmod blscfg
blscfg" "$(part 3)"
t_run "delete 42" 0 fvm delete -q 42
t_run "delete 43" 0 fvm delete -q 43
t_run "delete 44" 0 fvm delete -q 44

# --- a fixed appliance, built by libguestfs-make-fixed-appliance
if ! command -v libguestfs-make-fixed-appliance >/dev/null; then
	t_skip "fixed appliance" "no libguestfs-make-fixed-appliance (package libguestfs-tools)"
	exit 0
fi
start=$(date +%s)
t_run "build a fixed appliance" 0 libguestfs-make-fixed-appliance "$T_TMP/appliance"
echo "# libguestfs-make-fixed-appliance: $(($(date +%s) - start)) s"
cp "$FVM_CONFIG" "$T_TMP/conf.orig"
echo "FASTVM_APPLIANCE=$T_TMP/appliance" >>"$FVM_CONFIG"
# hack files get the appliance as LIBGUESTFS_PATH, for their own guestfish
echo 'echo "hack: LIBGUESTFS_PATH=$LIBGUESTFS_PATH"' >"$T_TMP/etc/hacks-$IMG.sh"
# libguestfs's debug log names the kernel it boots
t_run "create with FASTVM_APPLIANCE" 0 env LIBGUESTFS_DEBUG=1 fvm create --hostname fixed $IMG 45
t_match "the fixed appliance's kernel booted" "$T_TMP/appliance/kernel" "$T_ERR"
t_match "the hack file got it as LIBGUESTFS_PATH" "^hack: LIBGUESTFS_PATH=$T_TMP/appliance$" "$T_ERR"
rm -f "$T_TMP/etc/hacks-$IMG.sh"
t_run "delete 45" 0 fvm delete -q 45
cp "$T_TMP/conf.orig" "$FVM_CONFIG"
echo "FASTVM_APPLIANCE=$T_TMP/no-appliance" >>"$FVM_CONFIG"
t_run "LIBGUESTFS_PATH wins over FASTVM_APPLIANCE" 0 env LIBGUESTFS_DEBUG=1 \
	LIBGUESTFS_PATH="$T_TMP/appliance" fvm create --hostname fixed $IMG 45
t_match "LIBGUESTFS_PATH's kernel booted" "$T_TMP/appliance/kernel" "$T_ERR"
t_run "delete 45 again" 0 fvm delete -q 45
cp "$T_TMP/conf.orig" "$FVM_CONFIG"
