#!/bin/bash
# tests/e2e/customize.sh: create's native customisation (libguestfs) checked over ssh in the booted guest.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec), on the
# partitioned test guest, so libguestfs inspects and mounts it as it does
# real images. Each create with edits costs one appliance launch.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

P=fvmt-cz-
NET=fvmtest-cz
SUBNET=134
IMG=ctest
IP=192.168.$SUBNET.42

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
hosts() { v net-dumpxml "$NET" | grep -c "<host mac="; }
domains() { v list --all --name | grep -c "^$P$IMG-" ; }

e2e_setup $P $NET $SUBNET cz
e2e_image $IMG

# a key the image does not know: only the customisation can let it in
ssh-keygen -q -t ed25519 -N '' -C fvm-cust-test -f "$T_TMP/newkey"
gssh() {
	ssh -q -i "$T_TMP/newkey" -o StrictHostKeyChecking=no -o BatchMode=yes \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 "root@$IP" "$@"
}

# --- bad values are usage errors, before anything is made
t_run "write without a colon exits 2" 2 fvm create --write /etc/motd $IMG 42
t_match "write says what it needs" "PATH:CONTENT" "$T_ERR"
t_run "a zone with .. exits 2" 2 fvm create --timezone ../../etc/passwd $IMG 42
t_run "a bad host name exits 2" 2 fvm create --hostname 'a b' $IMG 42
t_run "a missing key file exits 1" 1 fvm create --ssh-key "$T_TMP/nokey.pub" $IMG 42
t_run "a missing password file exits 1" 1 fvm create --root-password-file "$T_TMP/nopw" $IMG 42
t_match "the password file is named" "nopw" "$T_ERR"
echo "dhcp = maybe" >"$T_TMP/etc/customize-$IMG.conf"
t_run "dhcp = maybe in the file exits 2" 2 fvm create $IMG 42
t_match "the file and line are named" "customize-$IMG.conf:1: dhcp takes yes or no" "$T_ERR"
rm -f "$T_TMP/etc/customize-$IMG.conf"
t_eq "no domain after the usage errors" 0 "$(domains)"

# --- the fixed appliance: FASTVM_APPLIANCE naming no appliance is one
# clear line before anything is made
cp "$FVM_CONFIG" "$T_TMP/conf.orig"
echo "FASTVM_APPLIANCE=$T_TMP/no-appliance" >>"$FVM_CONFIG"
t_run "FASTVM_APPLIANCE without an appliance exits 2" 2 fvm create --hostname x $IMG 42
t_eq "one line: the key, the directory, the tool" \
	"fvm-create: error: FASTVM_APPLIANCE: no directory $T_TMP/no-appliance: make a fixed appliance there with libguestfs-make-fixed-appliance $T_TMP/no-appliance, or set FASTVM_APPLIANCE=import" "$T_ERR"
t_eq "no domain after the appliance error" 0 "$(domains)"
cp "$T_TMP/conf.orig" "$FVM_CONFIG"

# the password comes from a file or stdin, never the command line
pw='fvm root pw 1'
printf '%s\nnot this line\n' "$pw" >"$T_TMP/pw"
with_stdin() { local f=$1; shift; "$@" <"$f"; }

# --- the image's customisation file, then the options (the last hostname
# wins: '' is the VM's name), two VMs in one call: two launches at once
cat >"$T_TMP/etc/customize-$IMG.conf" <<'EOF'
# the image's own customisation
hostname = from-the-file
write = /etc/fromfile:line one\nline two\n
machine-id = empty
EOF
start=$(date +%s)
t_run "create two VMs with customisation" 0 with_stdin "$T_TMP/pw" \
	fvm create --hostname '' \
	--ssh-key "$T_TMP/newkey.pub" --timezone Europe/Prague \
	--write /etc/motd:hello-from-fvm --copy-in "$T_TMP/newkey.pub:/root/" \
	--firstboot-command 'echo ran-once >>/root/firstboot.out' \
	--root-password-file - --serial-console --dhcp $IMG 42-43
t_match "create prints VM 42" "42 +$P$IMG-42" "$T_OUT"
t_match "create prints VM 43" "43 +$P$IMG-43" "$T_OUT"
t_match "both created" "2 of 2 created" "$T_ERR"
echo "# create with customisation: $(($(date +%s) - start)) s"
t_match "unknown distribution: hostname warning" "warning: VM 42: hostname: distribution" "$T_ERR"
t_match "unknown distribution: dhcp skipped, said so" "warning: VM 42: dhcp skipped: distribution 'unknown' not known" "$T_ERR"
t_nomatch "serial console: extlinux found" "serial console skipped" "$T_ERR"
t_eq "domains defined" 2 "$(domains)"
t_run "delete 43" 0 fvm delete -q 43

t_run "start 42" 0 fvm start 42
t_run "wait for ssh" 0 fvm wait --state ssh --timeout 240 42
t_run "the new key logs in" 0 gssh true
t_run "hostname" 0 gssh hostname
t_eq "host name: the option after the file, the VM's name" "$P${IMG}-42" "$T_OUT"
t_run "/etc/localtime" 0 gssh readlink /etc/localtime
t_eq "localtime links to the zone" "/usr/share/zoneinfo/Europe/Prague" "$T_OUT"
t_run "written file" 0 gssh cat /etc/motd
t_eq "written content" "hello-from-fvm" "$T_OUT"
t_run "file's write" 0 gssh cat /etc/fromfile
t_eq "file's escapes are newlines" "line one
line two" "$T_OUT"
# root's password: a hash of the scheme for an unknown distribution
# (SHA-512) that the password typed at the console matches
t_run "root's shadow line" 0 gssh "grep '^root:' /etc/shadow"
hash=$(printf '%s\n' "$T_OUT" | cut -d: -f2)
t_match "root's hash is SHA-512 with a salt" '^\$6\$[./A-Za-z0-9]{8,}\$[./A-Za-z0-9]{86}$' "$hash"
t_eq "root's last change is today" "$(($(date +%s) / 86400))" "$(printf '%s\n' "$T_OUT" | cut -d: -f3)"
t_eq "the hash matches the password" True "$(python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])' "$pw" "$hash")"
t_eq "the hash does not match another" False "$(python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])' "fvm" "$hash")"
t_run "shadow keeps its mode" 0 gssh "stat -c %a /etc/shadow"
t_eq "shadow still 0600" 600 "$T_OUT"
# the serial console: the kernel booted with the edited extlinux line
t_run "/proc/cmdline" 0 gssh cat /proc/cmdline
t_match "kernel console on ttyS0 at 115200" ' console=tty0 console=ttyS0,115200n8( |$)' "$T_OUT"
t_nomatch "the old console= is gone" 'console=ttyS0 ' "$T_OUT"
t_run "extlinux.conf" 0 gssh "head -1 /boot/extlinux/extlinux.conf; grep -c console= /boot/extlinux/extlinux.conf"
t_eq "SERIAL kept first, one APPEND with console=" "SERIAL 0 115200
1" "$T_OUT"
t_run "copied-in file" 0 gssh cat /root/newkey.pub
t_eq "copied-in content" "$(cat "$T_TMP/newkey.pub")" "$T_OUT"
t_run "authorized_keys" 0 gssh "stat -c '%a %u' /root/.ssh /root/.ssh/authorized_keys; grep -c . /root/.ssh/authorized_keys"
t_eq "modes, owner, old key kept" "700 0
600 0
2" "$T_OUT"
# the once entry starts after rcS, which started sshd: give it a moment
for _ in $(seq 20); do
	out=$(gssh cat /root/firstboot.out 2>/dev/null) && [ -n "$out" ] && break
	sleep 0.5
done
t_eq "first-boot command ran" "ran-once" "$out"
t_run "first-boot queue" 0 gssh "ls /var/lib/fvm/firstboot | wc -l"
t_eq "first-boot queue emptied" "0" "${T_OUT// /}"

# --- compact: what the guest deleted leaves the overlay
t_run "fill and free 40 MiB in the guest" 0 gssh \
	"dd if=/dev/urandom of=/root/big bs=1M count=40 2>/dev/null; sync; rm /root/big; sync"
t_run "compact of a running VM exits 4" 4 fvm compact 42
t_run "stop 42" 0 fvm stop -q 42
t_run "compact 42" 0 fvm compact --json 42
freed=$(printf '%s\n' "$T_OUT" | sed -n 's/.*"freed": \([0-9]*\).*/\1/p')
if [ "${freed:-0}" -ge $((30 * 1024 * 1024)) ]; then
	t_ok "compact freed the 40 MiB"
else
	t_fail "compact freed the 40 MiB" "freed ${freed:-nothing}: $T_OUT"
fi
t_run "image-compact while VMs read the image exits 4" 4 fvm image-compact $IMG
t_match "image-compact names the VM" "has 1 VM \\($P$IMG-42\\)" "$T_ERR"
t_run "delete 42" 0 fvm delete -q 42

# --- a failing edit rolls the VM back
rm -f "$T_TMP/etc/customize-$IMG.conf"
t_run "copy-in of a missing host file exits 1" 1 fvm create \
	--hostname x --copy-in "$T_TMP/no-such-file:/root/" $IMG 43
t_match "failure says which file" "no-such-file" "$T_ERR"
t_eq "failure: no domain" 0 "$(domains)"
t_eq "failure: no disk" "" "$(ls "$store/vms")"
t_eq "failure: only the dummy DHCP host" 1 "$(hosts)"

# --- FVM_HACK_STRICT=yes: a failing hack file rolls the VM back, as
# --strict does
printf '#!/bin/sh\necho hack ran for $VM_NAME\nexit 3\n' >"$T_TMP/etc/hacks-$IMG.sh"
t_run "a failing hack keeps the VM by default" 0 fvm create $IMG 43
t_match "the warning names both ways to roll back" "the VM was kept \(--strict or FVM_HACK_STRICT=yes rolls it back\)" "$T_ERR"
t_run "delete 43" 0 fvm delete -q 43
echo FVM_HACK_STRICT=yes >>"$FVM_CONFIG"
t_run "fvm config FVM_HACK_STRICT" 0 fvm config FVM_HACK_STRICT
t_eq "the key reads yes" yes "$T_OUT"
t_run "with FVM_HACK_STRICT=yes a failing hack exits 1" 1 fvm create $IMG 43
t_match "the hack's failure is the error" "hack file .*hacks-$IMG.sh failed with exit status 3" "$T_ERR"
t_eq "rolled back: no domain" 0 "$(domains)"
t_eq "rolled back: only the dummy DHCP host" 1 "$(hosts)"
cp "$T_TMP/conf.orig" "$FVM_CONFIG"
rm -f "$T_TMP/etc/hacks-$IMG.sh"

# --- image-compact: data deleted in the image (by guestfish, no VM) leaves
# the image's disk file
img=$store/images/$P$IMG.raw
t_run "image-compact of no image exits 3" 3 fvm image-compact nosuch
head -c $((40 * 1024 * 1024)) /dev/urandom >"$T_TMP/big"
t_run "write and delete 40 MiB in the image" 0 env LIBGUESTFS_BACKEND=direct \
	LIBGUESTFS_BACKEND_SETTINGS=force_tcg guestfish --format=raw -a "$img" -i \
	upload "$T_TMP/big" /root/big : sync : rm /root/big
rm -f "$T_TMP/big"
used_before=$(du -B1 "$img" | cut -f1)
echo "$(sha256sum "$img" | cut -c1-64)  $P$IMG" >"$store/images/$P$IMG.sha256"
(flock -s 9 && touch "$T_TMP/held" && sleep 4) 9>"$FVM_LOCK_DIR/image-$IMG.lock" &
for _ in $(seq 50); do [ -e "$T_TMP/held" ] && break; sleep 0.1; done
t_run "image-compact of a busy image exits 4" 4 fvm image-compact $IMG
t_match "busy: says who may hold it" "image $IMG is busy: a create, export or import is using it" "$T_ERR"
wait
start=$(date +%s)
t_run "image-compact" 0 fvm image-compact --json $IMG
echo "# image-compact: $(($(date +%s) - start)) s"
freed=$(printf '%s\n' "$T_OUT" | sed -n 's/.*"freed": \([0-9]*\).*/\1/p')
t_match "image-compact JSON names the image" "\"image\": \"$IMG\"" "$T_OUT"
t_match "image-compact JSON names its disk" "\"disk\": \"$P$IMG\"" "$T_OUT"
if [ "${freed:-0}" -ge $((30 * 1024 * 1024)) ]; then
	t_ok "image-compact freed the 40 MiB"
else
	t_fail "image-compact freed the 40 MiB" "freed ${freed:-nothing}: $T_OUT"
fi
used_after=$(du -B1 "$img" | cut -f1)
echo "# image disk: $used_before bytes before, $used_after after"
if [ $((used_before - used_after)) -ge $((30 * 1024 * 1024)) ]; then
	t_ok "the image file takes 30 MiB less"
else
	t_fail "the image file takes 30 MiB less" "$used_before -> $used_after"
fi
t_eq "the stale checksum is dropped" no "$([ -e "$store/images/$P$IMG.sha256" ] && echo yes || echo no)"
t_run "a VM of the compacted image boots" 0 fvm create -q $IMG 43
t_run "start 43" 0 fvm start 43
t_run "wait for ssh on 43" 0 fvm wait --state ssh --timeout 240 43
t_run "delete 43" 0 fvm delete -q 43
