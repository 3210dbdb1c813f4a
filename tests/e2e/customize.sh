#!/bin/bash
# tests/e2e/customize.sh: create's native customisation (libguestfs) checked over ssh in the booted guest.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec), on the
# partitioned test guest, so libguestfs inspects and mounts it as it does
# real images. Each create with edits costs one appliance launch.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

P=fvmcust-
NET=fvmtest-cust
SUBNET=134
IMG=ctest
IP=192.168.$SUBNET.42

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
hosts() { v net-dumpxml "$NET" | grep -c "<host mac="; }
domains() { v list --all --name | grep -c "^$P$IMG-" ; }

e2e_setup $P $NET $SUBNET cust
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
t_eq "no domain after the usage errors" 0 "$(domains)"

# --- the image's customisation file, then the options (the last hostname
# wins: '' is the VM's name), two VMs in one call: two launches at once
cat >"$T_TMP/etc/customize-$IMG.conf" <<'EOF'
# the image's own customisation
hostname = from-the-file
write = /etc/fromfile:line one\nline two\n
machine-id = empty
EOF
start=$(date +%s)
t_run "create two VMs with customisation" 0 fvm create --hostname '' \
	--ssh-key "$T_TMP/newkey.pub" --timezone Europe/Prague \
	--write /etc/motd:hello-from-fvm --copy-in "$T_TMP/newkey.pub:/root/" \
	--firstboot-command 'echo ran-once >>/root/firstboot.out' $IMG 42-43
t_match "create prints VM 42" "42 +$P$IMG-42" "$T_OUT"
t_match "create prints VM 43" "43 +$P$IMG-43" "$T_OUT"
t_match "both created" "2 of 2 created" "$T_ERR"
echo "# create with customisation: $(($(date +%s) - start)) s"
t_match "unknown distribution: hostname warning" "warning: VM 42: hostname: distribution" "$T_ERR"
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
t_run "delete 42" 0 fvm delete -q 42

# --- a failing edit rolls the VM back
rm -f "$T_TMP/etc/customize-$IMG.conf"
t_run "copy-in of a missing host file exits 1" 1 fvm create \
	--hostname x --copy-in "$T_TMP/no-such-file:/root/" $IMG 43
t_match "failure says which file" "no-such-file" "$T_ERR"
t_eq "failure: no domain" 0 "$(domains)"
t_eq "failure: no disk" "" "$(ls "$store/vms")"
t_eq "failure: only the dummy DHCP host" 1 "$(hosts)"
