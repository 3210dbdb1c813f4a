#!/bin/bash
# tests/e2e/compat.sh: the fast-vm personality against the lab's libvirtd: formats, metadata, fast-vm-made VMs (define only, no boot).
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). virsh plays
# fast-vm where a VM must look as fast-vm made it, and inspects results.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmcompat-
NET=fvmtest-cmp
SUBNET=128
IMG=ctest
ME=$(id -un)

domains() { v list --all --name | grep -c "^$P$IMG-" ; }

e2e_setup $P $NET $SUBNET compat
e2e_image $IMG kernel

# --- create: fast-vm's names, metadata and messages
t_run "fast-vm create of a missing image exits 2" 2 fast-vm create nosuch 42
t_run "fast-vm create $IMG 42" 0 fast-vm create $IMG 42
t_eq "create message" "[42][ok] VM '$P$IMG-42' created" "$T_OUT"
t_eq "domain name as fast-vm's" "$P$IMG-42" "$(v list --all --name | grep "^$P$IMG-42$")"
t_eq "title as fast-vm writes it" "042 $ME" "$(v desc --title $P$IMG-42)"
t_match "description as fast-vm writes it" "^1,$ME,[0-9]{10},---,$" "$(v desc $P$IMG-42)"
t_run "create 42 again exits 1" 1 fast-vm create $IMG 42
t_run "fast-vm create $IMG '43 44'" 0 fast-vm create $IMG '43 44'
t_match "multi create: each VM" "^\[43\]\[ok\] VM '$P$IMG-43' created" "$T_OUT"
t_eq "multi create: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_eq "three domains" 3 "$(domains)"

# an XML given on the command line, as fast-vm's 4th argument
sed 's/<memory[^<]*<\/memory>/<memory unit="KiB">262144<\/memory>/' \
	"$T_TMP/etc/config-$IMG.xml" >"$T_TMP/other.xml"
t_run "create with an XML argument" 0 fast-vm create $IMG 45 "$T_TMP/other.xml"
t_match "the given XML was used" "<memory unit='KiB'>262144</memory>" "$(v dumpxml $P$IMG-45)"
t_run "create with a missing XML argument exits 2" 2 fast-vm create $IMG 46 "$T_TMP/nosuch.xml"

# --- a VM as fast-vm left it: defined by virsh, its metadata by virsh
sed -e "s/VM_NAME/$P$IMG-50/g" -e "s/LIBVIRT_NETWORK/$NET/g" -e "s/VM_NUMBER/50/g" \
	-e "s/VM_HEX_NUMBER/32/g" -e "s/IMAGE_NAME/$IMG/g" -e "s/THINPOOL_VG/none/g" \
	"$T_TMP/etc/config-$IMG.xml" >"$T_TMP/fastvm-50.xml"
v define "$T_TMP/fastvm-50.xml" >/dev/null && t_ok "fast-vm's VM defined" || t_fail "fast-vm's VM defined" "virsh define"
v desc --config $P$IMG-50 --title --new-desc "050 alice made by fast-vm" >/dev/null
v desc --config $P$IMG-50 -- "1,alice,$(( $(date +%s) - 3 * 86400 )),prof1,made by fast-vm" >/dev/null

# --- list: fast-vm's printf formats, column for column
t_run "fast-vm list" 0 fast-vm list
hdr=$(printf "%3s %-15s %-12s %-15s %-13s  %-8s  %s" "VM#" "Image name" "Status" "Profile_name" "Size( %used )" "Activity" "Notes")
t_eq "list header" "$hdr" "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
row50=$(printf '%s\n' "$T_OUT" | grep '^ 50 ')
want=$(printf "%-32s %-15s %-13s  %8s  %-s" "$(printf '%3s %-15s %s %s' 50 $IMG shut off)" prof1 "" "3d ago" "alice: made by fast-vm")
# a VM without a disk has no size, as in fast-vm
t_eq "fast-vm's VM: row as fast-vm printed it" "$want" "$row50"
row42=$(printf '%s\n' "$T_OUT" | grep '^ 42 ')
size42=$(printf '%s\n' "$row42" | sed -n 's/^.* \([0-9.]*g( *[0-9.]*%)\).*/\1/p')
want=$(printf "%-32s %-15s %-13s  %8s  %-s" "$(printf '%3s %-15s %s %s' 42 $IMG shut off)" --- "$size42" "0d ago" "$ME: ")
t_eq "fvm-made VM: row as fast-vm printed it" "$want" "$row42"
t_run "fast-vm list inactive short" 0 fast-vm list inactive short
t_eq "short list" "42 43 44 45 50" "$(printf '%s\n' "$T_OUT" | tr '\n' ' ' | sed 's/ $//')"
t_run "fast-vm list active short" 0 fast-vm list active short
t_eq "empty short list is one empty line" "1" "$(wc -l <"$T_TMP/out")"
t_run "fast-vm list bogus lists all" 0 fast-vm list bogus short
t_lines "bogus: all five" 5 "$T_OUT"

# --- info: fast-vm's two lines
t_run "fast-vm info 42" 0 fast-vm info 42
t_eq "info lines" "[42][inf] IP: 192.168.$SUBNET.42
[42][inf] vm_name: $P$IMG-42" "$T_OUT"
t_run "fast-vm info 99 exits 1" 1 fast-vm info 99
t_eq "info of a missing VM" "[99][err] no VM with number '99' found" "$T_OUT"
t_run "fast-vm info 50 (fast-vm's)" 0 fast-vm info 50
t_match "info updates fast-vm's activity" "^1,alice,$(date +%s | cut -c1-8)[0-9]{2},prof1,made by fast-vm$" "$(v desc $P$IMG-50)"

# --- edit_note
t_run "fast-vm edit_note 50 new note" 0 fast-vm edit_note 50 new note
t_match "note in the description" "^1,alice,[0-9]{10},prof1,new note$" "$(v desc $P$IMG-50)"
t_eq "note in the title" "050 alice new note" "$(v desc --title $P$IMG-50)"
t_run "fast-vm edit_note '42 43' shared" 0 fast-vm edit_note '42 43' shared
t_match "multi note" "^1,$ME,[0-9]{10},---,shared$" "$(v desc $P$IMG-43)"

# --- stop of a stopped VM, start/stop argument checks against real VMs
t_run "fast-vm stop 42 (not running) exits 1" 1 fast-vm stop 42

# --- deprecated list_images runs fast-vm-image list
t_run "fast-vm list_images short" 0 fast-vm list_images short
t_eq "list_images: warning" "[__][wrn] (deprecated) This action will be removed in next version. Using new command below:" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "list_images: new command" "[__]fast-vm-image list  short" "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_eq "list_images: the image" "$IMG" "$(printf '%s\n' "$T_OUT" | sed -n 3p)"

# --- delete
t_run "fast-vm delete 50 (fast-vm's VM)" 0 fast-vm delete 50
t_eq "delete message" "[50][ok] VM '$P$IMG-50' deleted" "$T_OUT"
t_run "fast-vm delete '43 44'" 0 fast-vm delete '43 44'
t_eq "multi delete: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "fast-vm delete 99 exits 1" 1 fast-vm delete 99
t_eq "delete of a missing VM" "[99][err] no VM with number '99' found" "$T_OUT"
echo 'echo "delete-hack $VM_NAME" >'"$T_TMP/dh.out" >"$T_TMP/dh.sh"
t_run "fast-vm delete 45 with a delete hack argument" 0 fast-vm delete 45 "$T_TMP/dh.sh"
t_eq "the given delete hack ran" "delete-hack $P$IMG-45" "$(cat "$T_TMP/dh.out" 2>/dev/null)"
t_run "fast-vm delete 42" 0 fast-vm delete 42
t_eq "no domain left" 0 "$(domains)"
