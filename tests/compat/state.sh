#!/bin/bash
# tests/compat/state.sh: every fast-vm and fast-vm-image action on a host as fast-vm left it (libvirt's test driver, dir storage): fast-vm's formats, messages and exit codes; bash completion.
#
# Each fvm process starts from the fixture's libvirt state (test driver),
# so every check stands alone; disks, images and files persist in $T_TMP.
# What needs a real libvirtd or a booted guest is in tests/e2e/compat.sh.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=fixture.bash
. "$(dirname "$0")/fixture.bash"

if ! command -v qemu-img >/dev/null; then
	t_skip "fast-vm fixture" "qemu-img is not installed"
	exit 0
fi
compat_fixture
P=$COMPAT_PREFIX
S=$COMPAT_SUBNET
line() { printf '%s\n' "$T_OUT" | sed -n "$1p"; }
words() { printf '%s\n' "$1" | tr '\n' ' ' | sed 's/ *$//'; }
VMS="<VmNumber|'VmNumber1 VmNumber2 ...'>"

# --- list: fast-vm's printf formats, column for column
t_run "list" 0 fast-vm list
t_eq "list header" "$(printf "%3s %-15s %-12s %-15s %-13s  %-8s  %s" "VM#" "Image name" "Status" \
	"Profile_name" "Size( %used )" "Activity" "Notes")" "$(line 1)"
# fast-vm's rows: virsh list's "running" leaves an empty 4th field
row() { printf "%-32s %-15s %-13s  %8s  %-s" "$(printf '%3s %-15s %s %s' "$1" "$2" "$3" "$4")" "$5" "$6" "$7" "$8"; }
t_eq "row of fast-vm's running VM" "$(row 42 c7 running '' --- '' '2d ago' 'alice: web server')" \
	"$(printf '%s\n' "$T_OUT" | grep '^ 42 ')"
t_eq "row of fast-vm's stopped VM with a profile and its disk" \
	"$(row 43 c7 shut off prof1 '  1g(  0.02%)' '5d ago' 'bob: ')" \
	"$(printf '%s\n' "$T_OUT" | grep '^ 43 ' | sed 's/(  0\.0[0-9]%)/(  0.02%)/')"
t_match "a VM without fast-vm's description is listed" '^ 50 c7 +shut off' "$T_OUT"
t_nomatch "the base VM and other domains are not" 'other-vm|^ +c7 ' "$T_OUT"
t_match "footer as fast-vm's" '^=== Space used: +[0-9.]+% of +[0-9.]+g$' "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_lines "header, three VMs, footer" 5 "$T_OUT"
t_run "list active short" 0 fast-vm list active short
t_eq "active: the running one" "42" "$T_OUT"
t_run "list inactive short" 0 fast-vm list inactive short
t_eq "inactive: the stopped ones" "43
50" "$T_OUT"
t_run "list all short" 0 fast-vm list all short
t_eq "all, sorted" "42 43 50" "$(words "$T_OUT")"
t_run "list short (fast-vm: a type, so the table)" 0 fast-vm list short
t_match "list short is the table" '^VM# ' "$(line 1)"

# --- info
t_run "info 42" 0 fast-vm info 42
t_eq "info: fast-vm's two lines" "[42][inf] IP: 192.168.$S.42
[42][inf] vm_name: ${P}c7-42" "$T_OUT"
t_run "info 50 (no description)" 0 fast-vm info 50
t_eq "info 50: fast-vm's warning first" \
	"[50][wrn] VM without valid metadata! Creating empty metadata and changing ownership of VM to 'root'" "$(line 1)"
t_run "info '42 43'" 0 fast-vm info '42 43'
t_eq "multi: fast-vm's first line" "[__][inf] Starting to handle multiple operations" "$(line 1)"
t_match "multi: fast-vm's call line, its blank kept" '^\[__\]\[inf\] Calling operation: \./fast-vm info 43 $' "$T_OUT"
t_match "multi: VM 43's lines" '^\[43\]\[inf\] vm_name: '"${P}"'c7-43$' "$T_OUT"
t_eq "multi: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "info '42 99' exits 1" 1 fast-vm info '42 99'
t_match "multi: the missing one" "^\[99\]\[err\] no VM with number '99' found$" "$T_OUT"
t_eq "multi: error summary" "[__][err] Some (1) operations reported errors" "$(printf '%s\n' "$T_OUT" | tail -n 1)"

# --- start and stop
t_run "start 42 (running) exits 1" 1 fast-vm start 42
t_eq "start 42: fast-vm's message" "[42][err] VM with number '42' is active" "$T_OUT"
t_run "start 43" 0 fast-vm start 43
t_eq "start 43: fast-vm's message" "[43][inf] starting VM ${P}c7-43 (192.168.$S.43)" "$T_OUT"
t_run "start 43 reboot exits 1" 1 fast-vm start 43 reboot
t_eq "start with a bad word: start's usage" "fast-vm start $VMS [console|keydist|ssh [/path/to/custom/script]]" "$T_OUT"
t_run "start '43 50' console exits 1" 1 fast-vm start '43 50' console
t_match "console: not with several VMs" \
	'^\[50\]\[err\] When running start as part of multiple operations the console option is not available\.$' "$T_OUT"
t_eq "console: summary" "[__][err] Some (2) operations reported errors" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "start '43 50' ssh exits 1" 1 fast-vm start '43 50' ssh
t_match "ssh: a script is needed for several VMs" \
	'^\[43\]\[err\] When running start with ssh as part of multiple operations, script for SSH must be specified\.$' "$T_OUT"
t_run "start '42 43' exits 1" 1 fast-vm start '42 43'
t_match "one running, one started" '^\[43\]\[inf\] starting VM' "$T_OUT"
t_eq "one error" "[__][err] Some (1) operations reported errors" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "start '43 50'" 0 fast-vm start '43 50'
t_eq "both started" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "stop 43 (stopped) exits 1" 1 fast-vm stop 43
t_eq "stop 43: fast-vm's message" "[43][err] VM with number '43' is inactive" "$T_OUT"
t_run "stop 42" 0 fast-vm stop 42
t_eq "stop 42: fast-vm's message" "[42][inf] Stopping VM ${P}c7-42 now" "$T_OUT"
t_run "stop 42 graceful" 0 fast-vm stop 42 graceful
t_eq "graceful: fast-vm's message" "[42][inf] Sending ACPI shutdown event to ${P}c7-42" "$T_OUT"

# --- the access actions refuse stopped VMs as fast-vm did
for a in ssh console keydist; do
	t_run "$a 43 (stopped) exits 1" 1 fast-vm $a 43
	t_eq "$a 43: fast-vm's message" "[43][err] VM with number '43' is inactive" "$T_OUT"
done
t_run "scp 43 (stopped) exits 1" 1 fast-vm scp 43 /etc/hosts vm:/tmp/
t_eq "scp 43: fast-vm's message" "[43][err] VM with number '43' is inactive" "$T_OUT"
t_run "scp 42 without destination exits 1" 1 fast-vm scp 42 /etc/hosts
t_eq "scp: fast-vm's message" "[42][err] scp requires a sourcepath and destination path to copy" "$T_OUT"
t_run "rsync 42 without destination exits 1" 1 fast-vm rsync 42 /etc/hosts
t_eq "rsync: the same message" "[42][err] rsync requires a sourcepath and destination path to copy" "$T_OUT"
t_run "ssh '42 43' without script exits 1" 1 fast-vm ssh '42 43'
t_match "ssh: a script is needed for several VMs" \
	'^\[42\]\[err\] When running ssh as part of multiple operations, script for SSH must be specified\.$' "$T_OUT"

# --- edit_note
t_run "edit_note 42 new note" 0 fast-vm edit_note 42 new note
t_run "edit_note '42 43' shared" 0 fast-vm edit_note '42 43' shared
t_eq "edit_note: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "edit_note '42 43' without note exits 1" 1 fast-vm edit_note '42 43'
t_match "edit_note: the note is needed for several VMs" \
	'^\[43\]\[err\] When running edit_note as part of multiple operations the note must be specified as argument\.$' "$T_OUT"

# --- resize
t_run "resize 42 (running) exits 1" 1 fast-vm resize 42 2
t_eq "resize 42: fast-vm's message" "[42][err] VM with number '42' is active" "$T_OUT"
t_run "resize 43 2G exits 1" 1 fast-vm resize 43 2G
t_eq "resize: size message, then usage" "[__][err] invalid size. Use only whole decimal numbers
fast-vm resize $VMS NewSizeInGiB" "$T_OUT"
t_run "resize 43 2" 0 fast-vm resize 43 2
t_eq "resize 43: fast-vm's messages" "[43][inf] resizing ${P}c7-43 disk to 2G
[43][ok] VM 43 resize to 2G succeeded." "$T_OUT"
t_match "the disk is 2 GiB" 'virtual size: 2 GiB' \
	"$(qemu-img info "$T_TMP/store/vms/${P}c7-43.qcow2" 2>&1)"

# --- compact (a running VM is refused; the compaction itself: e2e)
t_run "compact 42 (running) exits 1" 1 fast-vm compact 42
t_eq "compact 42: fast-vm's message" "[42][err] VM with number '42' is active" "$T_OUT"

# --- disk_usage runs fvm du
t_run "disk_usage 99 exits 1" 1 fast-vm disk_usage 99
t_eq "disk_usage 99: fast-vm's message" "[99][err] no VM with number '99' found" "$T_OUT"
T_RC=0
fast-vm disk_usage 43 >"$T_TMP/du.out" 2>"$T_TMP/du.err" || T_RC=$?
t_eq "disk_usage: fast-vm's warning first" \
	"[__][wrn] This is EXPERIMENTAL feature, usage data might not be 100% accurate." \
	"$(sed -n 1p "$T_TMP/du.out")"
if [ "$T_RC" -ne 0 ] && grep -q 'not available yet' "$T_TMP/du.err"; then
	t_skip "disk_usage's table" "fvm du answers: $(cat "$T_TMP/du.err")"
else
	t_eq "disk_usage 43 exits 0" 0 "$T_RC"
	t_eq "disk_usage: fast-vm's header" \
		"VM# Image name    User     Size( %aloc )   Shared   Unshared  ('.'-Shared, '#'-Unshared)" \
		"$(sed -n 3p "$T_TMP/du.out")"
	t_eq "disk_usage: VM 43's row as fast-vm's printf" "$(printf '%-3d %-12s %-8s  ' 43 c7 bob)" \
		"$(grep '^43 ' "$T_TMP/du.out" | cut -c1-27)"
	t_match "disk_usage: fast-vm's bar of 20" '\[[.# ]{20}\]$' "$(grep '^43 ' "$T_TMP/du.out")"
	t_eq "disk_usage: fast-vm's closing notes" \
		"[__][ok] 'UnShared' space is unique to VM and consumes extra thinpool space.
[__] This space increases with more changes done to VM such as updates or new data." \
		"$(tail -n 2 "$T_TMP/du.out")"
fi

# --- create: what fvm makes carries fast-vm's names; messages as fast-vm's
t_run "create c7 44" 0 fast-vm create c7 44
t_eq "create c7 44: fast-vm's messages (the user's XML wins)" \
	"[44][inf] using file $T_TMP/user/config-c7.xml as libvirt XML
[44][inf] using file $T_TMP/etc/hacks-c7.sh as hack file
[44][inf] defining virtual machine '${P}c7-44' in libvirt
[44][ok] VM '${P}c7-44' created" "$T_OUT"
t_run "disk named as fast-vm's: ${P}c7-44" 0 test -e "$T_TMP/store/vms/${P}c7-44.qcow2"
t_eq "the image's hack file ran for it" "hacks-c7 ${P}c7-44" "$(tail -n 1 "$T_TMP/hacks.log")"
t_run "create prof2 45" 0 fast-vm create prof2 45
t_eq "profile: fast-vm's line" "[45][inf] using image c7 with profile prof2" "$(line 1)"
t_eq "profile: its template" "[45][inf] using file $T_TMP/etc/prof2/config.xml as libvirt XML" "$(line 2)"
t_eq "profile: its hacks with profile_name" "prof2 ${P}c7-45 prof2" "$(tail -n 1 "$T_TMP/hacks.log")"
t_run "create prof1 46 (no hacks of its own: the image's)" 0 fast-vm create prof1 46
t_eq "prof1: the image's hack file" "[46][inf] using file $T_TMP/etc/hacks-c7.sh as hack file" "$(line 3)"
t_run "create c7 42 exits 1" 1 fast-vm create c7 42
t_eq "create 42: fast-vm's message" "[42][err] VM with this VM number already exists" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "create c7 221 exits 1" 1 fast-vm create c7 221
t_match "create 221: fast-vm's message" '^\[221\]\[err\] VM number out of range \(20-220\)$' "$T_OUT"
t_eq "create 221: create's usage last" \
	"fast-vm create <ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> [PathToLibvirtXML] [PathToHacksFile]" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "create c7 abc exits 1" 1 fast-vm create c7 abc
t_match "create abc: fast-vm's message" "^\[abc\]\[err\] only numbers from range 20-220 and word 'base' permitted here$" "$T_OUT"
t_run "create c7 (no number) exits 1" 1 fast-vm create c7
t_match "create without number: [__]" "^\[__\]\[err\] only numbers from range 20-220 and word 'base' permitted here$" "$T_OUT"
t_run "create c7 47 with a missing XML exits 2" 2 fast-vm create c7 47 "$T_TMP/nosuch.xml"
t_eq "missing XML: fvm refuses" "[47][err] XML file $T_TMP/nosuch.xml not found" "$T_OUT"
compat_template | sed 's/262144/65536/' >"$T_TMP/given.xml"
t_run "create c7 47 with an XML argument" 0 fast-vm create c7 47 "$T_TMP/given.xml"
t_eq "the given XML is used" "[47][inf] using file $T_TMP/given.xml as libvirt XML" "$(line 1)"
t_run "create c7 '48 49'" 0 fast-vm create c7 '48 49'
t_match "multi: fast-vm's call line" "^\[__\]\[inf\] Calling operation: \./fast-vm create c7 49 $" "$T_OUT"
t_match "multi: 48 created" "^\[48\]\[ok\] VM '${P}c7-48' created$" "$T_OUT"
t_eq "multi: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
# the fixture has c7's base VM: fast-vm's define failed, exit 2 (the
# base VM that works: tests/e2e/compat.sh)
t_run "create c7 base (there already) exits 2" 2 fast-vm create c7 base
t_eq "base: fast-vm's lines" "[base][inf] using file $T_TMP/user/config-c7.xml as libvirt XML
[base][inf] using file $T_TMP/etc/hacks-c7.sh as hack file
[base][inf] creating base image VM for c7
[base][err] defining base VM for c7 failed, doesn't it exists already?" "$T_OUT"
rm -f "$T_TMP"/store/vms/"${P}"c7-4[4-9].qcow2

# --- delete: fast-vm's VMs, their delete hacks found as fast-vm did
t_run "delete 43 (fast-vm's, profile prof1)" 0 fast-vm delete 43
t_eq "delete 43: fast-vm's message" "[43][ok] VM '${P}c7-43' deleted" "$T_OUT"
t_eq "prof1 has no delete hacks: the image's ran" "delete-hacks-c7 ${P}c7-43" "$(tail -n 1 "$T_TMP/hacks.log")"
t_run "delete 43: disk gone" 1 test -e "$T_TMP/store/vms/${P}c7-43.qcow2"
t_run "delete 42 (running)" 0 fast-vm delete 42
t_eq "delete 42: fast-vm's warning, then the message" "[42][wrn] VM ${P}c7-42 is active, forcefully stopping it
[42][ok] VM '${P}c7-42' deleted" "$T_OUT"
echo 'echo "given $VM_NAME" >>"'"$T_TMP"'/hacks.log"' >"$T_TMP/given-delete.sh"
t_run "delete 50 with a delete hack argument" 0 fast-vm delete 50 "$T_TMP/given-delete.sh"
t_eq "the given delete hack ran" "given ${P}c7-50" "$(tail -n 1 "$T_TMP/hacks.log")"
t_run "delete '42 50'" 0 fast-vm delete '42 50'
t_eq "multi delete: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"

# --- fast-vm-image list and list_profiles: fast-vm-image's printf formats
t_run "fast-vm-image list" 0 fast-vm-image list
t_eq "images: header" "$(printf '%-36s |%-21s |%-21s |\n%-20s   %13s |%-8s %-13s|%-8s %-13s|' IMAGE SYSTEM USER \
	'Image name' 'Size( %used )' XML 'Hack file for' XML 'Hack file for')" "$(line 1,2)"
t_eq "images: c7's row" "$(printf '%-20s   %13s |%-8s %-13s|%-8s %-13s|' c7 '  1g(  0.00%)' ok create ok \
	'no hack files,delete')" "$(line 3 | sed 's/(  0\.0[0-9]%)/(  0.00%)/')"
t_eq "images: fast-vm-image's notes" "
NOTE: if image is missing XML it wouldn't be possible to create a VM from it!
 Image with missing hack file(s) can work if it's not needed.

 USER XML and hack file(s) takes precendense before SYSTEM ones." "$(printf '%s\n' "$T_OUT" | sed -n '4,$p')"
t_run "fast-vm-image list short" 0 fast-vm-image list short
t_eq "images short" "c7" "$T_OUT"
t_run "fast-vm-image list_profiles" 0 fast-vm-image list_profiles
t_eq "profiles: fast-vm-image's table, system dir first" "$(
	printf "%-41s|%-41s\n" 'Names' 'Changes provided by profile'
	printf "%-20s|%-20s|%-5s|%-7s|%-14s\n" 'Profile Name' 'Base Image Name' 'XML' 'hacks' 'delete-hacks'
	printf "%-20s|%-20s|%-5s|%-7s|%-14s\n" prof2 c7 yes yes yes
	printf "%-20s|%-20s|%-5s|%-7s|%-14s" prof1 c7 yes no no)" "$T_OUT"
t_run "fast-vm-image list_profiles short" 0 fast-vm-image list_profiles short
t_eq "profiles short" "prof2 prof1" "$(words "$T_OUT")"

# --- fast-vm-image: import, profiles, resize, checksums, export, remove
printf '%s\n' "$(compat_template)" >"$T_TMP/c8.xml"
echo 'true' >"$T_TMP/c8-hacks.sh"
t_run "import_custom 1 c8 empty" 0 fast-vm-image import_custom 1 c8 empty "$T_TMP/c8.xml" "$T_TMP/c8-hacks.sh"
t_eq "import empty: fast-vm-image's lines" "[__][inf] importing image empty into $T_TMP/store/images/${P}c8.raw
[__][ok] Empty image imported" "$T_OUT"
t_run "its XML and hacks where fast-vm-image put them (not root: ~/.fast-vm)" 0 \
	test -f "$T_TMP/$( [ "$(id -u)" = 0 ] && echo etc || echo user)/hacks-c8.sh"
t_run "import c8 again exits 1" 1 fast-vm-image import c8 empty "$T_TMP/c8.xml"
t_eq "exists: fast-vm-image's message" \
	"[__][err] base image for 'c8' version already exists. To remove image use 'remove' parameter" "$T_OUT"
t_run "import_profile p3 c8" 0 fast-vm-image import_profile p3 c8 "$T_TMP/c8.xml"
t_eq "import_profile: message" "[__][ok] Profile p3 based on Image c8 imported" "$T_OUT"
pdir=$T_TMP/$( [ "$(id -u)" = 0 ] && echo etc || echo user)/p3
t_eq "profile p3: base_image" "c8" "$(cat "$pdir/base_image" 2>&1)"
t_run "import_profile of a missing image exits 2" 2 fast-vm-image import_profile p4 nosuch "$T_TMP/c8.xml"
t_run "import_profile with a missing XML exits 2" 2 fast-vm-image import_profile p4 c8 "$T_TMP/nosuch.xml"
t_eq "missing XML: fast-vm-image's lines" "[__][err] XML VM definition: local file '$T_TMP/nosuch.xml' not found
[__][err] XML file $T_TMP/nosuch.xml not found" "$T_OUT"
# fast-vm reads a template named - from the file of that name, never stdin
mkdir -p "$T_TMP/dash"
cp "$T_TMP/c8.xml" "$T_TMP/dash/-"
echo 'not the template' >"$T_TMP/dash/other"
t_run "import_profile with an XML file named -" 0 sh -c "cd '$T_TMP/dash' && fast-vm-image import_profile p5 c8 - <other"
t_eq "XML named -: the file, not stdin" "$(cat "$T_TMP/c8.xml")" "$(cat "${pdir%/p3}/p5/config.xml" 2>&1)"
t_run "remove_profile p5" 0 fast-vm-image remove_profile p5
t_run "remove_profile p3" 0 fast-vm-image remove_profile p3
t_eq "remove_profile: message" "[__][ok] Profile p3 removed" "$T_OUT"
t_run "profile p3 gone" 1 test -e "$pdir"

# checksums of a small image as fast-vm left it: one part (its size in
# whole GiB is 0)
mkdir -p "$T_TMP/sums"
head -c 1M /dev/urandom >"$T_TMP/store/images/${P}c5.raw"
truncate -s 64M "$T_TMP/store/images/${P}c5.raw"
t_run "gen_checksums c5" 0 sh -c 'cd "$1" && fast-vm-image gen_checksums c5' _ "$T_TMP/sums"
t_eq "gen_checksums: fast-vm-image's lines" "[__][ok] Generating checksums for c5 (0)
[__][inf] c5.part_00.sha512.txt: $(sha512sum <"$T_TMP/store/images/${P}c5.raw" | cut -d' ' -f1)" "$T_OUT"
t_eq "gen_checksums: fast-vm's file" "$(sha512sum <"$T_TMP/store/images/${P}c5.raw" | cut -d' ' -f1)" \
	"$(cat "$T_TMP/sums/c5.part_00.sha512.txt")"
t_run "verify c5" 0 fast-vm-image verify c5 "$T_TMP/sums"
t_eq "verify: fast-vm-image's lines" "[__][ok] Verifying image c5 (0) using checksums from $T_TMP/sums
[__][inf] part_00 checksum OK
[__][ok] CHECK SUMMARY:   OK: 1  FAIL: 0  MISSING: 0" "$T_OUT"
echo 0000 >"$T_TMP/sums/c5.part_00.sha512.txt"
t_run "verify of a changed part exits 1" 1 fast-vm-image verify c5 "$T_TMP/sums"
t_eq "verify: summary as [err]" "[__][err] CHECK SUMMARY:   OK: 0  FAIL: 1  MISSING: 0" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "verify without checksums exits 2" 2 fast-vm-image verify c5 "$T_TMP"
t_eq "verify: fast-vm-image's message" "[__][err] part_00 checksum file not found" "$T_OUT"

t_run "export c5 zst" 0 sh -c 'cd "$1" && fast-vm-image export c5 zst' _ "$T_TMP/sums"
t_eq "export: fast-vm-image's lines" "[__][inf] compressing the image c5 into $T_TMP/sums/c5.img.zst
[__][ok] Image compression finished" "$T_OUT"
t_run "export wrote fast-vm's file name" 0 test -s "$T_TMP/sums/c5.img.zst"
t_run "export c5 rar exits 1" 1 fast-vm-image export c5 rar
t_eq "export: format message" "[__][err] unknown image format rar (supported: zst, xz, gz)" "$T_OUT"
mv "$T_TMP/sums/c5.img.zst" "$T_TMP/sums/1g__c9.img.zst"
t_run "import c9 from fast-vm's file name" 0 fast-vm-image import c9 "$T_TMP/sums/1g__c9.img.zst" "$T_TMP/c8.xml"
t_eq "import: fast-vm-image's lines, then its verify beside the file" \
	"[__][inf] Size of image was determined from the filename to be 1G.
[__][inf] importing image $T_TMP/sums/1g__c9.img.zst into $T_TMP/store/images/${P}c9.raw
[__][err] part_00 checksum file not found
[__][ok] Image c9 imported" "$T_OUT"

t_run "resize c8 2" 0 fast-vm-image resize c8 2
t_eq "image resize: fast-vm-image's lines" "[__][inf] resizing image c8 to 2G
[__][ok] Only newly created VMs from this image will use new size.
[__][ok] Resize of image to 2G succeeded." "$T_OUT"
t_run "resize c8 2G exits 1" 1 fast-vm-image resize c8 2G
t_eq "image resize: size message, usage" "[__][err] invalid image size. Use only whole decimal numbers
fast-vm-image resize ImageName NewImageSizeInGiB" "$T_OUT"

t_run "remove c8" 0 fast-vm-image remove c8
t_eq "remove: fast-vm-image's lines" "[__][inf] stopping and undefining the base VM of c8
[__][ok] image c8 removed" "$T_OUT"
t_run "remove c8 again exits 2" 2 fast-vm-image remove c8
t_eq "remove: missing image" "[__][err] Image 'c8' not found.
[__] '$T_TMP/store/images/${P}c8.raw' is not a block device." "$T_OUT"

# --- fast-vm 1.6's spellings
t_run "fast-vm import_custom_image 1 c10 empty" 0 fast-vm import_custom_image 1 c10 empty "$T_TMP/c8.xml"
t_eq "1.6 spelling: warning, new command, then fast-vm-image's lines" \
	"[__][wrn] (deprecated) This action will be removed in next version. Using new command below:
[__]fast-vm-image import_custom  1 c10 empty $T_TMP/c8.xml
[__][inf] importing image empty into $T_TMP/store/images/${P}c10.raw
[__][ok] Empty image imported" "$T_OUT"
t_run "fast-vm list_images short" 0 fast-vm list_images short
t_eq "list_images short" "c10 c5 c7 c9" "$(printf '%s\n' "$T_OUT" | sed -n '3,$p' | tr '\n' ' ' | sed 's/ $//')"
t_run "fast-vm resize_image c10 2" 0 fast-vm resize_image c10 2
t_eq "resize_image: the result line" "[__][ok] Resize of image to 2G succeeded." "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "fast-vm remove_image c10" 0 fast-vm remove_image c10
t_eq "remove_image: the result line" "[__][ok] image c10 removed" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "fast-vm list_profiles short" 0 fast-vm list_profiles short
t_eq "list_profiles: after the warning" "prof2 prof1" "$(printf '%s\n' "$T_OUT" | sed -n '3,$p' | tr '\n' ' ' | sed 's/ $//')"

# --- completion, as fast-vm's bash completion offers
comp() { fvm complete -- "$@" | tr '\n' ' ' | sed 's/ $//'; }
t_eq "complete start: stopped VMs" "43 50" "$(comp fast-vm start '')"
t_eq "complete stop: running VMs" "42" "$(comp fast-vm stop '')"
t_eq "complete ssh: running VMs" "42" "$(comp fast-vm ssh '')"
t_eq "complete console: running VMs" "42" "$(comp fast-vm console '')"
t_eq "complete delete: every VM" "42 43 50" "$(comp fast-vm delete '')"
t_eq "complete create: images and profiles" "c5 c7 c9 prof1 prof2" "$(comp fast-vm create '' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
free=$(comp fast-vm create c7 '')
t_match "complete create c7: base first" '^base 20 21 ' "$free"
t_nomatch "complete create c7: no number in use" '(^| )(42|43|50)( |$)' "$free"
t_eq "complete create c7: base and the 198 free numbers" 199 "$(printf '%s\n' $free | wc -l)"
t_eq "complete create c7 4: free numbers by prefix" "40 41 44 45 46 47 48 49" "$(comp fast-vm create c7 4)"
t_eq "complete create's XML: files (nothing from fvm)" "" "$(comp fast-vm create c7 44 '')"
t_eq "complete fast-vm-image remove: images" "c5 c7 c9" "$(comp fast-vm-image remove '')"
t_eq "complete fast-vm-image remove_profile: profiles" "prof1 prof2" \
	"$(comp fast-vm-image remove_profile '' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "complete fast-vm-image import_profile's image" "c5 c7 c9" "$(comp fast-vm-image import_profile p '')"
t_eq "complete 1.6's remove_image: images" "c5 c7 c9" "$(comp fast-vm remove_image '')"
t_eq "complete disk_usage: all and VMs" "all 42 43 50" "$(comp fast-vm disk_usage '')"
t_run "bash completion: fast-vm start" 0 bash -c '
	. "$1/completions/fvm.bash"
	COMP_WORDS=(fast-vm start ""); COMP_CWORD=2; _fvm
	printf "%s\n" "${COMPREPLY[@]}"
	complete -p fast-vm fast-vm-image' _ "$TOP"
t_eq "bash completion: stopped VMs" "43 50" "$(printf '%s\n' "$T_OUT" | sed -n 1,2p | tr '\n' ' ' | sed 's/ $//')"
t_match "bash completion: fast-vm registered, files as fallback" '^complete -o default -F _fvm fast-vm$' "$T_OUT"
t_match "bash completion: fast-vm-image registered" '^complete -o default -F _fvm fast-vm-image$' "$T_OUT"
t_run "bash completion: fast-vm-image export c7" 0 bash -c '
	. "$1/completions/fvm.bash"
	COMP_WORDS=(fast-vm-image export c7 ""); COMP_CWORD=3; _fvm
	printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP"
t_eq "bash completion: export formats" "zst xz gz" "$(words "$T_OUT")"
