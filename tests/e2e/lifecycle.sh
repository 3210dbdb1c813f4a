#!/bin/bash
# tests/e2e/lifecycle.sh: create, start, ssh, stop, note, delete on the dir storage against the lab's libvirtd: tests/scenarios/lifecycle.bash and a booted guest.
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

e2e_setup $P $NET $SUBNET life
e2e_image $IMG
cp "$GUEST_DIR/id_ed25519" "$T_TMP/key"
chmod 0600 "$T_TMP/key"

s_disk() { echo "$store/vms/$1.qcow2"; }
s_disk_size() {
	qemu-img info --output=json "$(s_disk "$1")" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])'
}
s_disks_left() { find "$store/vms" -mindepth 1 -printf "%f\n" | grep "^$P$IMG-"; }
s_fastvm_vm() {
	qemu-img create -q -f qcow2 -F raw -b "$store/images/$P$IMG.raw" "$(s_disk "$P$IMG-$1")" &&
		sed -e "s/VM_NAME/$P$IMG-$1/g" -e "s/LIBVIRT_NETWORK/$NET/g" \
			-e "s|<source dev='/dev/THINPOOL_VG/[^']*'/>|<source file='$(s_disk "$P$IMG-$1")'/>|" \
			-e "s/type='block' device='disk'/type='file' device='disk'/" \
			-e "s/type='raw'/type='qcow2'/" "$T_TMP/etc/config-$IMG.xml" >"$2"
}
IMAGE_DISK=$store/images/$P$IMG.raw

# shellcheck source=../scenarios/lifecycle.bash
. "$TOP/tests/scenarios/lifecycle.bash"

lc_errors
lc_create
# --- what only the lab's real guests show: start, ssh, stop
t_run "start 42" 0 fvm start --json 42
t_json_check start
t_match "start --json: started" '"started": true' "$T_OUT"
t_run "wait for ssh" 0 fvm wait --json --state ssh --timeout 240 42
t_json_check wait
t_match "wait --json: ssh" '"state": "ssh"' "$T_OUT"
t_run "ssh into 42" 0 ssh -q -i "$T_TMP/key" -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@192.168.$SUBNET.42 hostname
t_eq "guest answers at its reserved address" "fvm-test" "$T_OUT"
t_run "list active" 0 fvm list active --short
t_eq "running VM listed" "42" "$T_OUT"
t_run "stop --graceful" 0 fvm stop --json --graceful --timeout 120 42
t_json_check stop
t_match "stop --json: shut down" '"result": "shut_down"' "$T_OUT"
t_eq "shut off" "shut off" "$(v domstate $P$IMG-42)"
lc_note_resize_delete
lc_failures
lc_parallel
lc_fastvm
lc_complete
lc_base
lc_refused
