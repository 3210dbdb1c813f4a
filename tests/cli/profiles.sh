#!/bin/bash
# tests/cli/profiles.sh: profile-import, profiles, profile-rm and image-resize on a dir store, with their errors and exit codes.
#
# A dir store in $T_TMP: no libvirt needed. Profiles go to the system dir
# for root, else the user's (fast-vm's rule); the other dir is filled by
# hand to see both listed and the user's win.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

S=$T_TMP/store
cat >"$T_TMP/fast-vm.conf" <<EOF
VM_PREFIX=fastvm-
FVM_STORAGE=dir
FVM_STORE_DIR=$S
EOF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_USER_DIR=$T_TMP/user \
	FVM_SYSTEM_DIR=$T_TMP/etc FVM_LOCK_DIR=$T_TMP/locks
mkdir -p "$FVM_LOCK_DIR"
if [ "$(id -u)" -eq 0 ]; then
	MINE=$FVM_SYSTEM_DIR OTHER=$FVM_USER_DIR
else
	MINE=$FVM_USER_DIR OTHER=$FVM_SYSTEM_DIR
fi

F=$T_TMP/f
mkdir -p "$F"
echo '<domain type="kvm"><name>VM_NAME</name></domain>' >"$F/c.xml"
echo 'echo hack' >"$F/h.sh"
echo 'echo delete' >"$F/dh.sh"
img() { echo "$S/images/fastvm-$1.raw"; }
# nothing half-made left in the config dirs
leftovers() { find "$FVM_SYSTEM_DIR" "$FVM_USER_DIR" -name '.*fvm-profile*' 2>/dev/null; }

t_run "image for the profiles" 0 fvm import -q --size 64M c7 empty
t_run "second image" 0 fvm import -q --size 64M r8 empty

# --- profile-import
umask 077
t_run "profile-import" 0 fvm profile-import web c7 "$F/c.xml" "$F/h.sh" "$F/dh.sh"
umask 022
t_match "profile-import: message" "^profile web based on image c7 imported" "$T_OUT"
t_eq "base_image is the name and a newline" "c7
." "$(cat "$MINE/web/base_image"; echo .)"
t_eq "config.xml is a copy" "$(cat "$F/c.xml")" "$(cat "$MINE/web/config.xml" 2>&1)"
t_eq "hacks.sh is a copy" "echo hack" "$(cat "$MINE/web/hacks.sh" 2>&1)"
t_eq "delete-hacks.sh is a copy" "echo delete" "$(cat "$MINE/web/delete-hacks.sh" 2>&1)"
t_eq "modes despite umask 077" "755 644 644 755 755" \
	"$(stat -c %a "$MINE/web" "$MINE/web/base_image" "$MINE/web/config.xml" "$MINE/web/hacks.sh" "$MINE/web/delete-hacks.sh" | tr '\n' ' ' | sed 's/ $//')"
t_run "profile-import, XML only" 0 fvm profile-import -q db r8 "$F/c.xml"
t_eq "XML only: no hack files" "base_image config.xml" "$(ls "$MINE/db" | tr '\n' ' ' | sed 's/ $//')"
t_eq "-q prints nothing" "" "$T_OUT"

# a file given as - comes from standard input
t_run "XML from stdin" 0 sh -c "fvm profile-import -q webin c7 - '$F/h.sh' <'$F/c.xml'"
if cmp -s "$MINE/webin/config.xml" "$MINE/web/config.xml"; then t_ok "XML from stdin: same file as from a path"; else t_fail "XML from stdin: same file as from a path" "$(cat "$MINE/webin/config.xml" 2>&1)"; fi
t_eq "XML from stdin: hacks from its path" "echo hack" "$(cat "$MINE/webin/hacks.sh" 2>&1)"
t_run "delete-hacks from stdin" 0 sh -c "fvm profile-import -q dhin c7 '$F/c.xml' '$F/h.sh' - <'$F/dh.sh'"
t_eq "delete-hacks from stdin: content" "echo delete" "$(cat "$MINE/dhin/delete-hacks.sh" 2>&1)"
t_eq "delete-hacks from stdin: executable" 755 "$(stat -c %a "$MINE/dhin/delete-hacks.sh" 2>&1)"
t_run "two - are refused" 2 sh -c "fvm profile-import two c7 '$F/c.xml' - - <'$F/h.sh'"
t_eq "two -: one error line and the usage hint" "fvm-profile-import: error: delete-hacks file -: standard input is read once, and the hacks file is - already
Try 'fvm profile-import --help'." "$T_ERR"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' x >"$F/big.sh"
t_run "over 1 MiB on stdin" 1 sh -c "fvm profile-import big c7 '$F/c.xml' - <'$F/big.sh'"
t_eq "over 1 MiB on stdin: message" "fvm-profile-import: error: hacks file -: standard input is larger than 1 MiB" "$T_ERR"
t_eq "refused: no profile made" "" "$(ls -d "$MINE/two" "$MINE/big" 2>/dev/null; leftovers)"
t_run "profile-rm webin" 0 fvm profile-rm -q webin
t_run "profile-rm dhin" 0 fvm profile-rm -q dhin

t_run "existing profile" 4 fvm profile-import web r8 "$F/c.xml"
t_match "existing: says --force" 'profile web exists already.*--force' "$T_ERR"
t_eq "existing: kept" c7 "$(cat "$MINE/web/base_image")"
t_run "--force replaces" 0 fvm profile-import --force web r8 "$F/c.xml"
t_match "--force: message" 'replaced' "$T_OUT"
t_eq "--force: new image" r8 "$(cat "$MINE/web/base_image")"
t_eq "--force: old hacks gone" "base_image config.xml" "$(ls "$MINE/web" | tr '\n' ' ' | sed 's/ $//')"
mkdir -p "$MINE/plain"
t_run "a directory that is no profile" 4 fvm profile-import --force plain c7 "$F/c.xml"
t_match "no profile: reason" 'is not a profile' "$T_ERR"
rmdir "$MINE/plain"
t_run "missing image" 3 fvm profile-import p c9 "$F/c.xml"
t_match "missing image: reason" 'image c9 not found' "$T_ERR"
t_run "missing XML" 3 fvm profile-import p c7 "$F/nope.xml"
t_run "missing hacks" 3 fvm profile-import p c7 "$F/c.xml" "$F/nope.sh"
t_run "missing delete-hacks" 3 fvm profile-import p c7 "$F/c.xml" "$F/h.sh" "$F/nope.sh"
t_run "XML is a directory" 1 fvm profile-import p c7 "$F"
t_run "no XML" 2 fvm profile-import p c7
t_run "too many arguments" 2 fvm profile-import p c7 "$F/c.xml" "$F/h.sh" "$F/dh.sh" x
t_run "name ending in -N" 2 fvm profile-import p-42 c7 "$F/c.xml"
t_match "bad name: reason" "profile name 'p-42' cannot end" "$T_ERR"
t_run "name with a slash" 2 fvm profile-import 'a/b' c7 "$F/c.xml"
t_run "name with .." 2 fvm profile-import 'a..b' c7 "$F/c.xml"
t_run "bad image name" 2 fvm profile-import p 'c/7' "$F/c.xml"
t_run "failures made no profile" 1 test -e "$MINE/p"
t_eq "failures left nothing" "" "$(leftovers)"

# a copy failing half way (a hacks file that cannot be read: /proc/self/mem
# is a regular file whose first page is never mapped) rolls back
if [ -f /proc/self/mem ]; then
	t_run "unreadable hacks file" 1 fvm profile-import half c7 "$F/c.xml" /proc/self/mem
	t_match "unreadable: reason" '/proc/self/mem' "$T_ERR"
	t_eq "unreadable: nothing left" "" "$(leftovers; ls "$MINE" | grep '^half$')"
else
	t_skip "unreadable hacks file" "no /proc/self/mem"
fi
# a config dir fvm cannot write
if [ "$(id -u)" -ne 0 ]; then
	chmod 555 "$MINE"
	t_run "read-only config dir" 1 fvm profile-import ro c7 "$F/c.xml"
	chmod 755 "$MINE"
	t_eq "read-only: nothing left" "" "$(leftovers; ls "$MINE" | grep '^ro$')"
fi

# --- profiles: both dirs, the user's wins
mkdir -p "$OTHER/shared" "$OTHER/other" "$MINE/shared" "$OTHER/notaprofile"
echo r8 >"$OTHER/other/base_image"
touch "$OTHER/other/delete-hacks.sh"
echo c7 >"$FVM_USER_DIR/shared/base_image"
echo r8 >"$FVM_SYSTEM_DIR/shared/base_image"
touch "$FVM_SYSTEM_DIR/shared/config.xml"
t_run "profiles" 0 fvm profiles
t_match "profiles: header" '^Profile Name +Base Image Name +XML +hacks +delete-hacks$' "$T_OUT"
t_match "profiles: web" '^web +r8 +yes +no +no$' "$T_OUT"
t_match "profiles: db" '^db +r8 +yes +no +no$' "$T_OUT"
t_match "profiles: other dir" '^other +r8 +no +no +yes$' "$T_OUT"
t_match "profiles: the user's wins" '^shared +c7 +no +no +no$' "$T_OUT"
t_nomatch "profiles: a dir without base_image is none" 'notaprofile' "$T_OUT"
t_lines "profiles: header and four rows" 5 "$T_OUT"
t_run "profiles --short" 0 fvm profiles --short
t_eq "profiles --short: sorted names" "db
other
shared
web" "$T_OUT"
t_run "profiles --json" 0 fvm profiles --json
printf '%s' "$T_OUT" >"$T_TMP/p.json"
t_run "profiles --json parses" 0 python3 -c '
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))}
assert rows["web"]["image"] == "r8" and rows["web"]["xml"] is True, rows["web"]
assert rows["web"]["hacks"] is False and rows["other"]["delete_hacks"] is True
assert rows["shared"]["where"] == "user", rows["shared"]
assert rows["shared"]["dir"] == sys.argv[2] + "/shared", rows["shared"]' "$T_TMP/p.json" "$FVM_USER_DIR"
t_run "profiles takes no arguments" 2 fvm profiles web

# fvm create finds a profile: completion offers it with the images
t_run "complete create" 0 fvm complete -- fvm create ""
t_match "complete create: profile" '^web$' "$T_OUT"
t_match "complete create: image" '^c7$' "$T_OUT"
t_run "complete profile-rm" 0 fvm complete -- fvm profile-rm ""
t_match "complete profile-rm: profile" '^db$' "$T_OUT"

# --- profile-rm
t_run "profile-rm" 0 fvm profile-rm db
t_match "profile-rm: message" '^profile db removed' "$T_OUT"
t_run "profile-rm: gone" 1 test -e "$MINE/db"
t_run "profile-rm: image stays" 0 test -f "$(img r8)"
t_run "profile-rm again" 3 fvm profile-rm db
t_match "not found: reason" 'profile db not found' "$T_ERR"
t_run "profile-rm of the other dir's" 1 fvm profile-rm other
t_match "other dir: says where" "profile other is in $OTHER" "$T_ERR"
t_run "other dir's stays" 0 test -f "$OTHER/other/base_image"
t_run "profile-rm of no profile" 3 fvm profile-rm notaprofile
t_run "notaprofile stays" 0 test -d "$OTHER/notaprofile"
t_run "profile-rm bad name" 2 fvm profile-rm ../x
t_run "profile-rm -q" 0 fvm profile-rm -q web
t_eq "profile-rm -q prints nothing" "" "$T_OUT"
t_eq "profile-rm left nothing" "" "$(leftovers)"

# --- image-resize
t_run "image-resize (GiB)" 0 fvm image-resize c7 1
t_eq "image-resize: 1 GiB" 1073741824 "$(stat -c %s "$(img c7)")"
t_match "image-resize: only new VMs" 'only VMs created from now on' "$T_OUT"
t_run "image-resize with a unit" 0 fvm image-resize -q c7 1536M
t_eq "image-resize: 1536M" 1610612736 "$(stat -c %s "$(img c7)")"
t_run "image-resize: stays sparse" 0 test "$(du -k "$(img c7)" | cut -f1)" -lt 1024
t_run "shrinking needs --force" 2 fvm image-resize c7 1G
t_match "shrink: reason" 'shrinking loses data, --force' "$T_ERR"
t_eq "shrink refused: size kept" 1610612736 "$(stat -c %s "$(img c7)")"
t_run "image-resize --force shrinks" 0 fvm image-resize -q --force c7 1G
t_eq "shrunk" 1073741824 "$(stat -c %s "$(img c7)")"
t_run "image-resize: checksum dropped" 1 test -e "$S/images/fastvm-c7.sha256"
t_run "image-resize of a missing image" 3 fvm image-resize c9 2
t_run "image-resize: not a size" 2 fvm image-resize c7 big
t_run "image-resize: zero" 2 fvm image-resize c7 0
t_run "image-resize: one argument" 2 fvm image-resize c7
mkdir -p "$S/vms"
truncate -s 1M "$S/vms/fastvm-c7-42.raw"
t_run "image-resize: grows while VM disks exist" 0 fvm image-resize -q c7 2
rm "$S/vms/fastvm-c7-42.raw"
# the exclusive lock: a resize waits until a reader (create, export) is done
if command -v flock >/dev/null; then
	(flock -s 9 && touch "$T_TMP/held" && sleep 1.5) 9>"$FVM_LOCK_DIR/image-c7.lock" &
	for _ in $(seq 50); do [ -e "$T_TMP/held" ] && break; sleep 0.1; done
	start=$(date +%s%N)
	t_run "image-resize waits for a shared holder" 0 fvm image-resize -q c7 3
	t_run "image-resize waited" 0 test $(($(date +%s%N) - start)) -gt 800000000
	wait
else
	t_skip "image-resize waits for a shared holder" "no flock"
fi
