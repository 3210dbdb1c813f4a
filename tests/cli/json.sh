#!/bin/bash
# tests/cli/json.sh: every applet's --json against its schema in docs/json.md, and multi-VM results in VM-number order.
#
# Images, profiles and VM disks live in a dir store in $T_TMP. fvm create
# runs on test:///default (a fresh in-memory libvirt per connection); the
# applets that need VMs to exist run on a test driver node file that
# defines them over the disks create made (every fvm process starts from
# that file again, so each call sees the same VMs). Applets that need a
# guest to boot (compact, image-compact, wait --state ssh) are checked by
# the e2e tier.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

CHECK=$TOP/tests/tools/json-check
if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	t_skip "cli/json" "python3's jsonschema module is not installed (scripts/install-deps --test)"
	exit 0
fi

S=$T_TMP/store
mkdir -p "$S" "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks \
	FVM_STATE_DIR=$T_TMP/state
unset LIBVIRT_DEFAULT_URI
cat >"$FVM_CONFIG" <<CONF
VM_PREFIX=fvmtj-
SUBNET_NUMBER=122
LIBVIRT_NETWORK=default
FVM_STORAGE=dir
FVM_STORE_DIR=$S
FVM_URI=test:///default
FVM_POOL_WATERMARK=100
CONF

# jcheck APPLET: keep $T_OUT to check against APPLET's schema; the
# checks run at the end, all in one json-check (python and its
# jsonschema module take a while to start)
JN=0
JPAIRS=()
jcheck() {
	JN=$((JN + 1))
	printf '%s\n' "$T_OUT" >"$T_TMP/j$JN.json"
	JPAIRS+=("$1" "$T_TMP/j$JN.json")
}
# jget EXPR: a value of $T_OUT's JSON (python expression on j)
jget() {
	printf '%s' "$T_OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}
numbers() { jget '" ".join(str(o["number"]) for o in j)'; }

# --- the checker itself fails on what does not match
printf '[{"number": 1}]\n' >"$T_TMP/bad.json"
t_run "json-check refuses an object missing keys" 1 "$CHECK" start "$T_TMP/bad.json"
t_match "json-check names the key" "'name' is a required property" "$T_ERR"
t_run "json-check: no schema for an unknown applet" 2 "$CHECK" frobnicate "$T_TMP/bad.json"

# --- docs/json.md has a schema for every applet with --json, and no other
for a in $(fvm --list); do
	if fvm "$a" --help | grep -q -- '--json'; then
		echo "$a"
	fi
done | sort >"$T_TMP/with-json"
"$CHECK" --list | sort >"$T_TMP/documented"
t_eq "docs/json.md: a schema for each applet with --json" \
	"$(cat "$T_TMP/with-json")" "$(cat "$T_TMP/documented")"
for a in import export image-verify image-checksum wait create delete start stop doctor du configure note resize image-resize image-rm profile-import profile-rm; do
	t_match "$a has --json" "^$a\$" "$(cat "$T_TMP/with-json")"
done

# --- images
head -c 1M /dev/urandom >"$T_TMP/disk.raw"
truncate -s 8M "$T_TMP/disk.raw"
cat >"$T_TMP/user/config-img.xml" <<'XML'
<domain type="qemu"><name>VM_NAME</name><memory unit="MiB">64</memory><vcpu>1</vcpu>
<os><type arch="x86_64">hvm</type></os>
<devices><disk type="block" device="disk"><driver name="qemu" type="raw"/><source dev="/dev/THINPOOL_VG/VM_NAME"/><target dev="vda" bus="virtio"/></disk>
<interface type="network"><source network="LIBVIRT_NETWORK"/><model type="virtio"/></interface></devices></domain>
XML
t_run "import --json" 0 fvm import --json img "$T_TMP/disk.raw" && jcheck import
t_eq "import --json: the size" 8388608 "$(jget 'j["size"]')"
t_eq "import --json: the SHA-256" "$(sha256sum <"$T_TMP/disk.raw" | cut -d' ' -f1)" "$(jget 'j["sha256"]')"
t_run "images --json" 0 fvm images --json && jcheck images
mkdir "$T_TMP/sums"
t_run "image-checksum --json" 0 fvm image-checksum --json -d "$T_TMP/sums" img && jcheck image-checksum
t_eq "image-checksum --json: the part files" "$(ls "$T_TMP/sums" | wc -l)" "$(jget 'j["parts"]')"
t_run "image-verify --json" 0 fvm image-verify --json img && jcheck image-verify
t_eq "image-verify --json: ok" True "$(jget 'j["ok"]')"
t_run "image-verify --json DIR" 0 fvm image-verify --json img "$T_TMP/sums" && jcheck image-verify
t_eq "image-verify --json DIR: parts" "$(ls "$T_TMP/sums" | wc -l) 0 0" \
	"$(jget '"%d %d %d" % (j["parts_ok"], j["parts_failed"], j["parts_missing"])')"
t_run "export --json" 0 fvm export --json -c gz img "$T_TMP/img.fvm" && jcheck export
t_eq "export --json: the file's size" "$(stat -c %s "$T_TMP/img.fvm")" "$(jget 'j["bytes"]')"
t_run "export --json to stdout is refused" 2 fvm export --json img -
t_lines "export --json -: one line" 1 "$T_ERR"
t_match "export --json -: says why" "^fvm-export: error: --json .*standard output" "$T_ERR"
t_eq "export --json -: no archive on stdout" "" "$T_OUT"
t_run "import --json of the package" 0 fvm import --json img2 "$T_TMP/img.fvm" && jcheck import
t_run "image-resize --json" 0 fvm image-resize --json img2 16M && jcheck image-resize
t_eq "image-resize --json: sizes" "16777216 8388608" "$(jget '"%d %d" % (j["size"], j["size_before"])')"
t_run "image-rm --json" 0 fvm image-rm --json img2 && jcheck image-rm
t_run "profile-import --json" 0 fvm profile-import --json prof img "$T_TMP/user/config-img.xml" && jcheck profile-import
t_run "profiles --json" 0 fvm profiles --json && jcheck profiles
t_run "profile-rm --json" 0 fvm profile-rm --json prof && jcheck profile-rm
t_run "config --json" 0 fvm config --json && jcheck config

# --- create: the same array, in VM-number order, on every run
want="50 51 52 53 54 55 56 57"
t_run "create --json over a range" 0 fvm create --json img 50-57 && jcheck create
first=$T_OUT
t_eq "create --json: VM-number order" "$want" "$(numbers)"
rm -f "$S"/vms/*
t_run "create --json over a range, again" 0 fvm create --json img 57,50-56 && jcheck create
t_eq "create --json: the same output on the second run" "$first" "$T_OUT"
t_run "create --json: failures leave an empty array" 4 fvm create --json img 50-51
t_eq "create --json: failed VMs are not listed" "[]" "$T_OUT"

# --- VMs 50 and 51 running, 52 shut off, over the disks create made
NODE=$T_TMP/node.xml
dom() {
	cat <<XML
<domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0"><name>fvmtj-img-$1</name>
<description>1,tester,1700000000,---,old note</description><memory unit="MiB">64</memory><vcpu>1</vcpu>
<os><type arch="x86_64">hvm</type></os>
<devices><disk type="file" device="disk"><driver name="qemu" type="qcow2"/><source file="$S/vms/fvmtj-img-$1.qcow2"/><target dev="vda" bus="virtio"/></disk>
<interface type="network"><mac address="52:54:00:f5:8d:$1"/><source network="default"/></interface></devices>
$2</domain>
XML
}
{
	echo '<node>'
	echo '<network><name>default</name><bridge name="virbr0"/><forward/><ip address="192.168.122.1" netmask="255.255.255.0"/></network>'
	dom 50 ""
	dom 51 ""
	dom 52 "<test:runstate>5</test:runstate>"
	echo '</node>'
} >"$NODE"
export LIBVIRT_DEFAULT_URI=test://$NODE

t_run "list --json" 0 fvm list --json && jcheck list
t_eq "list --json: VM-number order" "50 51 52" "$(numbers)"
t_run "info --json" 0 fvm info --json 51 && jcheck info
t_run "start --json" 0 fvm start --json 52 51 && jcheck start
t_eq "start --json: VM-number order, started or not" "51:False 52:True" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["started"]) for o in j)')"
t_run "stop --json" 0 fvm stop --json 52 51 50 && jcheck stop
t_eq "stop --json: what became of each" "50:stopped 51:stopped 52:not_running" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["result"]) for o in j)')"
t_run "wait --json" 0 fvm wait --json -s running 51 50 && jcheck wait
t_eq "wait --json: VM-number order" "50 51" "$(numbers)"
t_run "wait --json: a timeout is an error, not an object" 1 fvm wait --json -s shutoff -t 0 50
t_eq "wait --json: no object for the VM that timed out" "[]" "$T_OUT"

# fvm note N N -- TEXT: the text goes to every VM before the "--"
t_run "note --json on two VMs" 0 fvm note --json 50 51 -- a new  note && jcheck note
t_eq "note --json: both VMs have the text" "50:a new note 51:a new note" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["note"]) for o in j)')"
t_run "note on two VMs" 0 fvm note 50 51 -- text
t_eq "note on two VMs: both noted" "VM 50: note set
VM 51: note set" "$(printf '%s\n' "$T_OUT" | sort)"
t_run "note -- TEXT that looks like a number" 0 fvm note --json 50 -- 51 && jcheck note
t_eq "note: the words after -- are text" "50:51" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["note"]) for o in j)')"
t_run "note N -- (empty text)" 0 fvm note --json 50 51 -- && jcheck note
t_eq "note N --: clears both" "50: 51:" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["note"]) for o in j)')"
t_run "note N TEXT (fast-vm's form)" 0 fvm note --json 50 some text && jcheck note
t_eq "note N TEXT: one VM, all the words" "50:some text" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["note"]) for o in j)')"

t_run "resize --json" 0 fvm resize --json 52 16M && jcheck resize
t_eq "resize --json: sizes" "16777216 8388608" "$(jget '"%d %d" % (j["size"], j["size_before"])')"
t_run "du --json" 0 fvm du --json && jcheck du
t_run "delete --json --dry-run" 0 fvm delete --json --dry-run 51 50 && jcheck delete
t_eq "delete --json --dry-run: nothing deleted" "50:False 51:False" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["deleted"]) for o in j)')"
[ -e "$S/vms/fvmtj-img-50.qcow2" ] && t_ok "delete --dry-run: the disk stays" ||
	t_fail "delete --dry-run: the disk stays" "gone"
t_run "delete --json" 0 fvm delete --json 52 50 && jcheck delete
t_eq "delete --json: VM-number order, deleted" "50:True 52:True" \
	"$(jget '" ".join("%d:%s" % (o["number"], o["deleted"]) for o in j)')"
[ ! -e "$S/vms/fvmtj-img-50.qcow2" ] && t_ok "delete --json: the disk is gone" ||
	t_fail "delete --json: the disk is gone" "still there"
# the disks of 53-57 have no domain: doctor reports them
t_run "doctor --json" 1 fvm doctor --json && jcheck doctor
t_match "doctor --json: the stray disks" '"object": "fvmtj-img-53"' "$T_OUT"

# --- configure, against test:///default's own network
unset LIBVIRT_DEFAULT_URI
t_run "configure --json" 0 fvm configure --json --config "$T_TMP/cf.conf" \
	--uri test:///default --sudoers none --group root --yes \
	--storage dir --store-dir "$T_TMP/cfs" --network default --subnet 122 &&
	jcheck configure

"$CHECK" "${JPAIRS[@]}" 2>"$T_TMP/j.err"
for ((i = 0; i < ${#JPAIRS[@]}; i += 2)); do
	a=${JPAIRS[i]} f=${JPAIRS[i + 1]}
	name="$a --json matches its schema (${f##*/})"
	if grep -q "^json-check: $a $f: \|^json-check: error" "$T_TMP/j.err"; then
		t_fail "$name" "$(grep "$f\|error" "$T_TMP/j.err" | head -c 400 | tr '\n' ';')"
	else
		t_ok "$name"
	fi
done
exit 0
