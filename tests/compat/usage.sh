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

# --- usage
t_run "fast-vm without action exits 1" 1 fast-vm
t_eq "usage banner" "$banner" "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "usage second line" "fast-vm <action> <options>" "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_lines "usage: banner, synopsis, 25 actions" 27 "$T_OUT"
t_eq "usage: first action is deprecated import_image" \
	"(deprecated) fast-vm import_image ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]" \
	"$(printf '%s\n' "$T_OUT" | sed -n 3p)"
t_eq "usage: create line" \
	"fast-vm create <ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> [PathToLibvirtXML] [PathToHacksFile]" \
	"$(printf '%s\n' "$T_OUT" | grep '^fast-vm create')"
t_eq "usage: list line" "fast-vm list [all|active|inactive [short]]" \
	"$(printf '%s\n' "$T_OUT" | grep '^fast-vm list')"
# fast-vm 1.7's words for start and rsync, rsync right after scp
t_eq "usage: start line" \
	"fast-vm start <VmNumber|'VmNumber1 VmNumber2 ...'> [console|keydist|ssh [/path/to/custom/script]]" \
	"$(printf '%s\n' "$T_OUT" | grep '^fast-vm start')"
t_eq "usage: rsync after scp" "scp rsync" \
	"$(printf '%s\n' "$T_OUT" | grep -A1 '^fast-vm scp' | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')"
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
t_eq "deprecation: then the new action's complaint" "[__][err] missing image name" \
	"$(printf '%s\n' "$T_OUT" | sed -n 3p)"
t_eq "deprecation: and its usage" \
	"fast-vm-image import ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]" \
	"$(printf '%s\n' "$T_OUT" | sed -n 4p)"
t_run "export_image of a missing image exits 2" 2 fast-vm export_image c7 rar
t_eq "export_image: the new command" "[__]fast-vm-image export  c7 rar" \
	"$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_eq "export_image: fast-vm-image's missing image" "[__][err] Image 'c7' not found.
[__] '$T_TMP/store/images/fvmcompat-c7.raw' is not a block device." \
	"$(printf '%s\n' "$T_OUT" | sed -n 3,4p)"
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

# --- argument checks, in fast-vm's order, with its messages and exit codes
# (no image and no VM here: the VM and image cases are in state.sh)
t_run "create without image exits 1" 1 fast-vm create
t_eq "create without image: message" "[__][err] missing image or profile name" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "create without image: create's usage" \
	"fast-vm create <ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> [PathToLibvirtXML] [PathToHacksFile]" \
	"$(printf '%s\n' "$T_OUT" | sed -n 2p)"
# fast-vm looks for the image before it looks at the number: exit 2
t_run "create of a missing image exits 2" 2 fast-vm create c7 42
t_eq "missing image: fast-vm's three lines" "[42][err] Missing image for c7.
[42]$T_TMP/store/images/fvmcompat-c7.raw not found.
[42]First import image using 'fast-vm image_import c7'" "$T_OUT"
t_run "create of a missing image without number exits 2" 2 fast-vm create c7
t_match "no number: [__]" '^\[__\]\[err\] Missing image for c7\.$' "$T_OUT"
t_run "create of two VMs of a missing image exits 1" 1 fast-vm create c7 '42 43'
t_match "multi: each VM's message" '^\[43\]\[err\] Missing image for c7\.$' "$T_OUT"
t_eq "multi: fast-vm's summary" "[__][err] Some (2) operations reported errors" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
for a in start stop delete info console keydist ssh scp edit_note resize compact; do
	t_run "$a without number exits 1" 1 fast-vm $a
	t_eq "$a without number: message" "[__][err] VM number missing" \
		"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
	t_match "$a without number: its usage" "^fast-vm $a " "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
	t_run "$a of a missing VM exits 1" 1 fast-vm $a 99
	case $a in
	edit_note) want="[__][err] no VM with number '99' found" ;;
	*) want="[99][err] no VM with number '99' found" ;;
	esac
	t_eq "$a of a missing VM: message" "$want" "$T_OUT"
done
t_run "start of a word exits 1" 1 fast-vm start abc
t_eq "start of a word: fast-vm's message" "[abc][err] no VM with number 'abc' found" "$T_OUT"
t_run "fast-vm-image resize without image exits 1" 1 fast-vm-image resize
t_eq "image resize without name" "[__][err] missing image name" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
for a in export remove resize compact verify gen_checksums; do
	t_run "fast-vm-image $a of a missing image exits 2" 2 fast-vm-image $a nosuch 10
	t_eq "fast-vm-image $a: fast-vm-image's message" "[__][err] Image 'nosuch' not found." \
		"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
done
t_run "fast-vm-image list_profiles short" 0 fast-vm-image list_profiles short
t_run "fast-vm-image remove_profile of a missing one exits 1" 1 fast-vm-image remove_profile nosuch
t_eq "remove_profile: message, then usage" "[__][err] profile 'nosuch' not found
fast-vm-image remove_profile ProfileName" "$T_OUT"
t_run "import_profile without image exits 1" 1 fast-vm-image import_profile p
t_eq "import_profile without image: message" "[__][err] missing image name" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "import_profile with a bad name exits 1" 1 fast-vm-image import_profile p_1 c7
t_eq "import_profile: name rule" \
	"[__][err] ProfileName contains restricted characters, allowed are only letters, numbers, dot(.) and dash(-)" "$T_OUT"
t_run "import_custom with size 10G exits 1" 1 fast-vm-image import_custom 10G c7 empty x.xml
t_eq "import_custom size message" "[__][err] invalid image size. Use only whole decimal numbers" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "import of a name with _ exits 1" 1 fast-vm-image import c_7 empty x.xml
t_eq "restricted characters message" \
	"[__][err] ImageName contains restricted characters, allowed are only letters, numbers, dot(.) and dash(-)" "$T_OUT"
t_run "import of a name ending in -12 exits 1" 1 fast-vm-image import c7-12 empty x.xml
t_eq "-XX message" "[__][err] ImageName cannot end with '-XX' where XX is number." "$T_OUT"
t_run "import of a missing file exits 2" 2 fast-vm-image import c7 "$T_TMP/nosuch.img.xz" x.xml
t_eq "missing image file: fast-vm-image's two lines" \
	"[__][err] image file: local file '$T_TMP/nosuch.img.xz' not found
[__][err] image file not found" "$T_OUT"
t_run "import without XML exits 2" 2 fast-vm-image import c7 empty
t_eq "missing XML: fast-vm-image's lines" "[__][inf] provided empty file path
[__][err] XML VM definition: local file '' not found
[__][err] XML file  not found" "$T_OUT"
t_run "export without image exits 1" 1 fast-vm-image export
t_eq "export without image: message, usage" "[__][err] missing image name
fast-vm-image export ImageName [ <zst|xz|gz> ]" "$T_OUT"

# DISPLAY_LEVEL hides levels as in fast-vm: 3 keeps errors only
printf 'DISPLAY_LEVEL=3\n' >>"$T_TMP/fast-vm.conf"
t_run "DISPLAY_LEVEL=3: multi create" 1 fast-vm create c7 '42 43'
t_nomatch "DISPLAY_LEVEL=3: no [inf]" '\[inf\]' "$T_OUT"
t_match "DISPLAY_LEVEL=3: [err] stays" '^\[42\]\[err\] Missing image' "$T_OUT"
printf 'DISPLAY_LEVEL=2\n' >>"$T_TMP/fast-vm.conf"
t_run "DISPLAY_LEVEL=2: create" 2 fast-vm create c7 42
t_eq "DISPLAY_LEVEL=2: nothing" "" "$T_OUT"
sed -i '/^DISPLAY_LEVEL/d' "$T_TMP/fast-vm.conf"

# --- a broken configuration is fast-vm's exit 2
printf 'VM_PREFIX=fvm\nthis is not a line\n' >"$T_TMP/bad.conf"
FVM_CONFIG=$T_TMP/bad.conf t_run "bad configuration exits 2" 2 fast-vm list
t_match "bad configuration message" '^\[__\]\[err\] .*bad\.conf' "$T_OUT"
FVM_CONFIG=$T_TMP/bad.conf t_run "bad configuration before an unknown action: exit 2" 2 fast-vm frobnicate

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
