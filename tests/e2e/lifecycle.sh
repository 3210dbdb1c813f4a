#!/bin/bash
# tests/e2e/lifecycle.sh: create, start, ssh, stop, note, delete on the dir storage against the lab's libvirtd.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). virsh only
# inspects what fvm did; fvm itself talks to libvirt through its C API.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

# a prefix of its own: VM numbers are per prefix, so other tests on the
# same libvirtd cannot collide with this one's
P=fvmlife-
NET=fvmtest-life
SUBNET=125
IMG=ltest

hosts() { v net-dumpxml "$NET" | grep -c "<host mac="; }
domains() { v list --all --name | grep -c "^$P$IMG-" ; }

e2e_setup $P $NET $SUBNET life
e2e_image $IMG
cp "$GUEST_DIR/id_ed25519" "$T_TMP/key"
chmod 0600 "$T_TMP/key"

# --- errors: exit codes and nothing made
t_run "missing image exits 3" 3 fvm create nosuch 42
t_match "missing image message" "fvm-create: error: .*nosuch" "$T_ERR"
t_run "number out of range exits 2" 2 fvm create $IMG 221
t_eq "out of range: one line" 1 "$(printf '%s\n' "$T_ERR" | grep -c error)"
t_run "delete of a missing VM exits 3" 3 fvm delete 43
t_run "start of a missing VM exits 3" 3 fvm start 43
t_eq "no domain after the errors" 0 "$(domains)"

# --- create
t_run "create $IMG 42" 0 fvm create $IMG 42
t_match "create prints the VM" "42 +$P$IMG-42 +192\.168\.$SUBNET\.42" "$T_OUT"
t_eq "domain defined" 1 "$(domains)"
[ -f "$store/vms/$P$IMG-42.qcow2" ] && t_ok "disk made" || t_fail "disk made" "no overlay"
mac=$(v domiflist $P$IMG-42 | awk '{print $5}')
t_eq "derived MAC" "52:54:00:f5:7d:2a" "$mac"
t_match "DHCP reservation for .42" "<host mac='$mac'.* ip='192\.168\.$SUBNET\.42'" "$(v net-dumpxml $NET)"
t_eq "title as fast-vm writes it" "042 $(id -un)" "$(v desc --title $P$IMG-42)"
t_match "description as fast-vm writes it" "^1,$(id -un),[0-9]{10},---,$" "$(v desc $P$IMG-42)"
t_run "create 42 again exits 4" 4 fvm create $IMG 42
t_match "exists message" "VM 42 exists already" "$T_ERR"
t_eq "still one domain" 1 "$(domains)"

# --- start, ssh, stop
t_run "start 42" 0 fvm start --json 42
e2e_json_check start
t_match "start --json: started" '"started": true' "$T_OUT"
t_run "wait for ssh" 0 fvm wait --json --state ssh --timeout 240 42
e2e_json_check wait
t_match "wait --json: ssh" '"state": "ssh"' "$T_OUT"
t_run "ssh into 42" 0 ssh -q -i "$T_TMP/key" -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@192.168.$SUBNET.42 hostname
t_eq "guest answers at its reserved address" "fvm-test" "$T_OUT"
t_run "list active" 0 fvm list active --short
t_eq "running VM listed" "42" "$T_OUT"
t_run "stop --graceful" 0 fvm stop --json --graceful --timeout 120 42
e2e_json_check stop
t_match "stop --json: shut down" '"result": "shut_down"' "$T_OUT"
t_eq "shut off" "shut off" "$(v domstate $P$IMG-42)"
t_run "info --json" 0 fvm info --json 42
t_match "info state" '"state": "shut off"' "$T_OUT"
t_match "info ip" "\"ip\": \"192.168.$SUBNET.42\"" "$T_OUT"

# --- note and resize
t_run "note" 0 fvm note 42 a note, with commas
t_eq "note in the title" "042 $(id -un) a note, with commas" "$(v desc --title $P$IMG-42)"
t_match "note in the description" "^1,$(id -un),[0-9]+,---,a note, with commas$" "$(v desc $P$IMG-42)"
t_run "resize 42 to 1G" 0 fvm resize --json 42 1
e2e_json_check resize
t_match "resized" '"disk_size": 1073741824' "$(fvm info --json 42)"
t_run "shrinking needs --force" 2 fvm resize 42 512M

# --- delete leaves nothing
t_run "delete 42" 0 fvm delete --json 42
e2e_json_check delete
t_eq "no domain" 0 "$(domains)"
[ -e "$store/vms/$P$IMG-42.qcow2" ] && t_fail "disk removed" "still there" || t_ok "disk removed"
t_eq "only the dummy DHCP host is left" 1 "$(hosts)"
t_nomatch "no lease for the MAC" "$mac" "$(v net-dhcp-leases $NET)"

# --- failure injection: nothing half-made
mkdir -p "$T_TMP/user/badxml"
echo $IMG >"$T_TMP/user/badxml/base_image"
sed 's/<devices>/<devices><frobnicate\/>/' "$T_TMP/etc/config-$IMG.xml" >"$T_TMP/user/badxml/config.xml"
t_run "define failure exits 1" 1 fvm create badxml 43
t_match "define failure says why" "fvm-create: error:" "$T_ERR"
t_eq "define failure: no domain" 0 "$(domains)"
t_eq "define failure: no disk" "" "$(ls "$store/vms")"
t_eq "define failure: no DHCP entry" 1 "$(hosts)"
t_run "missing network exits 3" 3 env FVM_CONFIG="$T_TMP/nonet.conf" sh -c \
	"sed 's/^LIBVIRT_NETWORK=.*/LIBVIRT_NETWORK=fvmtest-none/' '$T_TMP/fast-vm.conf' >'$T_TMP/nonet.conf' && sed -i 's/$NET/fvmtest-none/' '$T_TMP/etc/config-$IMG.xml' && fvm create $IMG 44; rc=\$?; sed -i 's/fvmtest-none/$NET/' '$T_TMP/etc/config-$IMG.xml'; exit \$rc"
t_match "missing network named" "fvmtest-none" "$T_ERR"
t_eq "network failure: no domain" 0 "$(domains)"
t_eq "network failure: no disk" "" "$(ls "$store/vms")"

# a hack file runs with fast-vm's variables; under --strict its failure rolls back
mkdir -p "$T_TMP/user/hacky"
echo $IMG >"$T_TMP/user/hacky/base_image"
cp "$T_TMP/etc/config-$IMG.xml" "$T_TMP/user/hacky/config.xml"
cat >"$T_TMP/user/hacky/hacks.sh" <<'HACK'
echo "$VM_NAME $vm_number $VM_HEX_NUMBER $VM_MAC $image_name $profile_name $LIBVIRT_NETWORK" >"$MARK"
exit ${HACK_RC:-0}
HACK
t_run "create with a hack file" 0 env MARK="$T_TMP/mark" fvm create hacky 45
t_eq "hack saw fast-vm's variables" "$P$IMG-45 45 2d 52:54:00:f5:7d:2d $IMG hacky $NET" "$(cat "$T_TMP/mark" 2>/dev/null)"
t_match "profile recorded" "^1,$(id -un),[0-9]+,hacky,$" "$(v desc $P$IMG-45)"
t_run "failing hack only warns" 0 env MARK="$T_TMP/mark" HACK_RC=3 fvm create hacky 46
t_match "failing hack warning" "warning: hack file .* failed with exit status 3" "$T_ERR"
t_run "failing hack under --strict exits 1" 1 env MARK="$T_TMP/mark" HACK_RC=3 fvm create --strict hacky 47
t_eq "--strict rolled back the domain" "" "$(v list --all --name | grep -- "-$IMG-47")"
[ -e "$store/vms/$P$IMG-47.qcow2" ] && t_fail "--strict rolled back the disk" "still there" || t_ok "--strict rolled back the disk"
t_run "delete the hacky VMs" 0 fvm delete -q 45 46

# Ctrl-C during a create rolls it back
cat >"$T_TMP/user/hacky/hacks.sh" <<'HACK'
touch "$MARK.started"; sleep 3
HACK
rm -f "$T_TMP/mark.started"
MARK="$T_TMP/mark" fvm create hacky 48 >/dev/null 2>"$T_TMP/int.err" &
pid=$!
for _ in $(seq 100); do [ -e "$T_TMP/mark.started" ] && break; sleep 0.1; done
kill -INT $pid
wait $pid
t_eq "interrupted create exits 1" 1 $?
t_match "interrupted create says so" "interrupted" "$(cat "$T_TMP/int.err")"
t_eq "interrupted create: no domain" 0 "$(domains)"
t_eq "interrupted create: no disk" "" "$(ls "$store/vms")"
t_eq "interrupted create: no DHCP entry" 1 "$(hosts)"

# --- parallel: 10 numbers in separate processes, then 5 fights over one
for n in $(seq 50 59); do
	fvm create -q $IMG $n >"$T_TMP/p$n.out" 2>&1 &
done
fails=0
for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
t_eq "10 parallel creates succeed" 0 "$fails"
t_eq "10 domains" 10 "$(domains)"
t_eq "DHCP table has the 10 entries and the dummy" 11 "$(hosts)"
for n in 1 2 3 4 5; do
	fvm create -q $IMG 60 >"$T_TMP/s$n.out" 2>&1 &
	eval "pid$n=\$!"
done
ok=0 busy=0
for n in 1 2 3 4 5; do
	eval "wait \$pid$n"
	case $? in 0) ok=$((ok + 1)) ;; 4) busy=$((busy + 1)) ;; esac
done
t_eq "same number 5 times: one created" 1 "$ok"
t_eq "same number 5 times: four exit 4" 4 "$busy"
t_run "delete a range" 0 fvm delete -q 50-60
t_eq "all deleted" 0 "$(domains)"
t_eq "DHCP table back to the dummy" 1 "$(hosts)"
t_run "multi-VM create in one call" 0 fvm create $IMG 61-63
t_match "summary line" "3 of 3 created" "$T_ERR"
t_run "multi-VM delete with a missing one" 3 fvm delete 61-64
t_match "summary names the failure" "3 of 4 deleted, failed: 64" "$T_ERR"

# --- a VM described by fast-vm itself
qemu-img create -q -f qcow2 -F raw -b "$store/images/$P$IMG.raw" "$store/vms/$P$IMG-70.qcow2"
sed -e "s/VM_NAME/$P$IMG-70/g" -e "s/LIBVIRT_NETWORK/$NET/g" \
	-e "s|<source dev='/dev/THINPOOL_VG/[^']*'/>|<source file='$store/vms/$P$IMG-70.qcow2'/>|" \
	-e "s/type='block' device='disk'/type='file' device='disk'/" \
	-e "s/type='raw'/type='qcow2'/" "$T_TMP/etc/config-$IMG.xml" >"$T_TMP/fastvm.xml"
v define "$T_TMP/fastvm.xml" >/dev/null
v desc --config $P$IMG-70 --title --new-desc "070 alice" >/dev/null
v desc --config $P$IMG-70 --new-desc "1,alice,1589700000,myprof,old, note" >/dev/null
t_run "fast-vm's VM listed" 0 fvm list --json
t_match "fast-vm's owner" '"owner": "alice"' "$T_OUT"
t_match "fast-vm's profile" '"profile": "myprof"' "$T_OUT"
t_match "fast-vm's note with a comma" '"note": "old, note"' "$T_OUT"
t_match "fast-vm's activity" '"activity": "2020-05-17T07:20:00Z"' "$T_OUT"
t_run "fast-vm's VM in the table" 0 fvm list
t_match "table row" "^ 70 $IMG +shut off +myprof +.*d ago  alice: old, note$" "$T_OUT"
t_run "note on fast-vm's VM" 0 fvm note 70 -- new note
t_eq "title rewritten" "070 alice new note" "$(v desc --title $P$IMG-70)"
t_match "description keeps owner and profile" "^1,alice,[0-9]+,myprof,new note$" "$(v desc $P$IMG-70)"
t_run "delete fast-vm's VM" 0 fvm delete 70
t_eq "fast-vm's VM gone" 0 "$(domains)"
t_eq "its disk gone" "" "$(ls "$store/vms")"

# --- completion from live state
t_run "create for completion" 0 fvm create -q $IMG 80 81
t_run "complete used numbers" 0 fvm complete -- fvm delete 8
t_eq "used numbers offered" "80
81" "$T_OUT"
t_run "complete free numbers" 0 fvm complete -- fvm create $IMG 8
t_eq "free numbers skip the used ones" "82 83 84 85 86 87 88 89" "$(echo $T_OUT)"
t_run "complete running numbers" 0 fvm complete -- fvm stop ""
t_eq "nothing runs" "" "$T_OUT"
t_run "delete after completion" 0 fvm delete -q 80 81

# --- the image's base VM: its disk is the image itself
t_run "create base" 0 fvm create $IMG base
t_match "base VM uses the image's disk" "images/$P$IMG.raw" "$(v dumpxml $P$IMG)"
t_eq "base VM has no DHCP entry" 1 "$(hosts)"
t_run "base again exits 4" 4 fvm create $IMG base
v undefine $P$IMG >/dev/null

# --- a real fast-vm template libvirt refuses: the error says why
nvme=$TOP/../shared/fixtures/fast-vm-templates/debian/xml/debian-11-current-nvme.xml
if [ -r "$nvme" ]; then
	mkdir -p "$T_TMP/user/nvme"
	echo $IMG >"$T_TMP/user/nvme/base_image"
	cp "$nvme" "$T_TMP/user/nvme/config.xml"
	t_run "nvme template refused" 1 fvm create nvme 90
	t_match "the error names the nvme bus" "fvm-create: error: cannot define domain .*'bus'.*'nvme'" "$T_ERR"
	t_eq "nvme refusal: one line" 1 "$(printf '%s\n' "$T_ERR" | wc -l)"
	t_eq "nvme refusal leaves no domain" 0 "$(domains)"
	t_eq "nvme refusal leaves no disk" "" "$(ls "$store/vms")"
else
	t_skip "nvme template refused" "no fixture $nvme"
fi
