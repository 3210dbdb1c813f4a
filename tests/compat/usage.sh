#!/bin/sh
# tests/compat/usage.sh: fast-vm and fast-vm-image command lines that need no libvirt: usage, errors, deprecated spellings, completion.
. "$(dirname "$0")/../lib.sh"

cat >"$T_TMP/fast-vm.conf" <<CONF
VM_PREFIX=fvmcompat-
LIBVIRT_NETWORK=fvmtest-cmp
SUBNET_NUMBER=128
FVM_STORAGE=dir
FVM_STORE_DIR=$T_TMP/store
FVM_URI=test:///default
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user

banner="== fast-vm version 1.7 (fvm $(fvm --version | cut -d' ' -f2)) =="
VMS="<VmNumber|'VmNumber1 VmNumber2 ...'>"

# --- usage
t_run "fast-vm without action exits 1" 1 fast-vm
t_eq "usage banner" "$banner" "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "usage second line" "fast-vm <action> <options>" "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_lines "usage: banner, synopsis, 24 actions" 26 "$T_OUT"
t_eq "usage: first action is deprecated import_image" \
	"(deprecated) fast-vm import_image ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]" \
	"$(printf '%s\n' "$T_OUT" | sed -n 3p)"
t_eq "usage: create line" \
	"fast-vm create <ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> [PathToLibvirtXML] [PathToHacksFile]" \
	"$(printf '%s\n' "$T_OUT" | grep '^fast-vm create')"
t_eq "usage: list line" "fast-vm list [all|active|inactive [short]]" \
	"$(printf '%s\n' "$T_OUT" | grep '^fast-vm list')"
t_eq "usage: last line" "(deprecated) fast-vm compact_image ImageName" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_eq "usage on stdout only" "" "$T_ERR"

t_run "unknown action exits 1" 1 fast-vm frobnicate
t_eq "unknown action message" "[__][err] unknown action" "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "unknown action: then the usage" "$banner" "$(printf '%s\n' "$T_OUT" | sed -n 2p)"

t_run "fast-vm-image without action exits 1" 1 fast-vm-image
t_eq "fast-vm-image banner" "== fast-vm-image version 1.7 (fvm $(fvm --version | cut -d' ' -f2)) ==" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_lines "fast-vm-image usage: 12 actions" 14 "$T_OUT"
t_eq "fast-vm-image export line" "fast-vm-image export ImageName [ <zst|xz|gz> ]" \
	"$(printf '%s\n' "$T_OUT" | grep '^fast-vm-image export')"
t_run "fast-vm-image unknown action exits 1" 1 fast-vm-image frobnicate
t_eq "fast-vm-image unknown action message" "[__][err] unknown action" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"

# --- deprecated 1.6 spellings
t_run "import_image without arguments exits 1" 1 fast-vm import_image
t_eq "deprecation warning" \
	"[__][wrn] (deprecated) This action will be removed in next version. Using new command below:" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "deprecation: the new command, fast-vm's double blank kept" \
	"[__]fast-vm-image import " "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_eq "deprecation: then the new action's usage" \
	"fast-vm-image import ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]" \
	"$(printf '%s\n' "$T_OUT" | sed -n 3p)"
t_run "export_image with a bad format exits 1" 1 fast-vm export_image c7 rar
t_eq "export_image: the new command" "[__]fast-vm-image export  c7 rar" \
	"$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_eq "export_image: the format error" "[__][err] unknown image format rar (supported: zst, xz, gz)" \
	"$(printf '%s\n' "$T_OUT" | sed -n 3p)"
for old in import_custom_image:import_custom remove_image:remove resize_image:resize \
	import_profile:import_profile remove_profile:remove_profile list_images:list \
	list_profiles:list_profiles compact_image:compact; do
	new=${old#*:} old=${old%:*}
	case $old in
	list_images) continue ;; # runs fvm images: the e2e test covers it
	esac
	fast-vm "$old" 2>/dev/null | sed -n 2p >"$T_TMP/dep"
	t_eq "$old becomes fast-vm-image $new" "[__]fast-vm-image $new " "$(cat "$T_TMP/dep")"
done

# --- argument checks, fast-vm's messages and exit codes
t_run "create without image exits 1" 1 fast-vm create
t_eq "create without image: message" "[__][err] missing image or profile name" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "create without image: create's usage" \
	"fast-vm create <ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> [PathToLibvirtXML] [PathToHacksFile]" \
	"$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_run "create without number exits 1" 1 fast-vm create c7
t_eq "create without number: message" \
	"[__][err] only numbers from range 20-220 and word 'base' permitted here" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "create with a word exits 1" 1 fast-vm create c7 abc
t_run "create 221 exits 1" 1 fast-vm create c7 221
t_eq "out of range message" "[__][err] VM number out of range (20-220)" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "create '21 300' exits 1" 1 fast-vm create c7 '21 300'
t_match "multi with one out of range" "out of range" "$T_OUT"
for a in start stop delete info console keydist ssh edit_note resize; do
	t_run "$a without number exits 1" 1 fast-vm $a
	t_eq "$a without number: message" "[__][err] VM number missing" \
		"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
	t_match "$a without number: its usage" "^fast-vm $a " "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
done
t_run "start with a bad word exits 1" 1 fast-vm start 42 reboot
t_eq "start with a bad word: usage" \
	"fast-vm start $VMS [console|ssh [/path/to/custom/script]]" "$T_OUT"
t_run "start console for two VMs exits 1" 1 fast-vm start '42 43' console
t_match "start console for two VMs: message" "console option is not available" "$T_OUT"
t_run "resize with 10G exits 1" 1 fast-vm resize 42 10G
t_eq "resize size message" "[__][err] invalid size. Use only whole decimal numbers" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "scp without destination exits 1" 1 fast-vm scp 42 /etc/hosts
t_eq "scp message" "[__][err] scp requires a sourcepath and destination path to copy" "$T_OUT"
t_run "ssh for two VMs without script exits 1" 1 fast-vm ssh '42 43'
t_run "edit_note for two VMs without text exits 1" 1 fast-vm edit_note '42 43'
t_run "fast-vm disk_usage is not supported yet (exit 1)" 1 fast-vm disk_usage 42
t_eq "fast-vm disk_usage message" "[__][err] 'fast-vm disk_usage' is not supported yet by fvm" "$T_OUT"
t_run "fast-vm-image compact is not supported yet (exit 1)" 1 fast-vm-image compact c7
t_eq "fast-vm-image compact message" "[__][err] 'fast-vm-image compact' is not supported yet by fvm" "$T_OUT"
t_run "fast-vm-image resize with a bad size exits 1" 1 fast-vm-image resize c7 10G
t_eq "image resize size message" "[__][err] invalid size. Use only whole decimal numbers" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "fast-vm-image list_profiles" 0 fast-vm-image list_profiles short
t_run "fast-vm-image remove_profile of a missing one exits 1" 1 fast-vm-image remove_profile nosuch
t_run "fast-vm-image import_profile without XML exits 1" 1 fast-vm-image import_profile p c7
t_run "import_custom with size 10G exits 1" 1 fast-vm-image import_custom 10G c7 empty x.xml
t_eq "import_custom size message" "[__][err] invalid image size. Use only whole decimal numbers" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "import of a name with _ exits 1" 1 fast-vm-image import c_7 empty x.xml
t_eq "restricted characters message" \
	"[__][err] ImageName contains restricted characters, allowed are only letters, numbers, dot(.) and dash(-)" "$T_OUT"
t_run "import of a name ending in -12 exits 1" 1 fast-vm-image import c7-12 empty x.xml
t_eq "-XX message" "[__][err] ImageName cannot end with '-XX' where XX is number." "$T_OUT"
t_run "import without XML exits 1" 1 fast-vm-image import c7 empty
t_run "export without image exits 1" 1 fast-vm-image export

# --- a broken configuration is fast-vm's exit 2
printf 'VM_PREFIX=fvm\nthis is not a line\n' >"$T_TMP/bad.conf"
FVM_CONFIG=$T_TMP/bad.conf t_run "bad configuration exits 2" 2 fast-vm list
t_match "bad configuration message" '^\[__\]\[err\] .*bad\.conf' "$T_OUT"

# --- completion
comp() { fvm complete -- "$@" | tr '\n' ' ' | sed 's/ $//'; }
t_eq "complete fast-vm actions" "start stop ssh scp" "$(comp fast-vm s)"
t_eq "complete fast-vm list" "all active inactive" "$(comp fast-vm list '')"
t_eq "complete fast-vm list all" "short" "$(comp fast-vm list all '')"
t_eq "complete fast-vm stop 42" "graceful" "$(comp fast-vm stop 42 '')"
t_eq "complete fast-vm start 42" "console ssh" "$(comp fast-vm start 42 '')"
t_eq "complete fast-vm-image actions" "import import_custom import_profile" "$(comp fast-vm-image im)"
t_eq "complete fast-vm-image export format" "zst xz gz" "$(comp fast-vm-image export c7 '')"
t_eq "complete via a path" "list list_profiles" "$(comp /usr/bin/fast-vm-image li)"
t_eq "complete create's number: base first" "base" "$(comp fast-vm create c7 b)"
