#!/bin/sh
# tests/cli/basics.sh: dispatch, help, exit codes and output of the fvm binary.
. "$(dirname "$0")/../lib.sh"

BIN=$BUILD/bin
# no system configuration may leak into these tests
export FVM_CONFIG="$T_TMP/fast-vm.conf"
: >"$FVM_CONFIG"

t_run "fvm --version" 0 fvm --version
t_match "version line" '^fvm [0-9]+\.[0-9]+\.[0-9]+([~+][0-9A-Za-z.]+)?$' "$T_OUT"

t_run "fvm --list" 0 fvm --list
list=$T_OUT
t_match "--list names config" '^config$' "$list"
t_nomatch "--list hides internal applets" '^complete$' "$list"
# the list is applets.def's, in its order
want=$("$TOP/scripts/applet-names" --public "$TOP/applets/applets.def")
t_eq "--list is applets.def" "$want" "$list"

for a in $list; do
	t_run "fvm $a --help" 0 fvm "$a" --help
	t_match "fvm $a --help usage line" "^usage: fvm $a( |\$)" "$T_OUT"
	t_run "fvm-$a -h through the symlink" 0 "fvm-$a" -h
	help_via_link=$T_OUT
	t_run "fvm help $a" 0 fvm help "$a"
	t_eq "fvm help $a equals fvm-$a -h" "$T_OUT" "$help_via_link"
	[ -L "$BIN/fvm-$a" ] && t_ok "symlink fvm-$a" ||
		t_fail "symlink fvm-$a" "missing in $BIN"

	# the man page synopsis is the --help usage
	man=$BUILD/man/fvm-$a.1
	syn=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" |
		grep -v '^\.' | sed 's/\\-/-/g; s/\\e/\\/g; s/\\&//g' | head -1)
	use=$(fvm "$a" --help | sed -n 's/^usage: //p')
	t_eq "fvm-$a.1 synopsis matches --help" "$use" "$syn"
	# every option of --help is documented in the page
	for o in $(fvm "$a" --help | sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p'); do
		if grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" "$man"; then
			t_ok "fvm-$a.1 documents $o"
		else
			t_fail "fvm-$a.1 documents $o" "not in $man"
		fi
	done
done

t_run "unknown applet" 127 fvm frobnicate
t_eq "unknown applet: one line" 1 "$(printf '%s\n' "$T_ERR" | wc -l)"
t_match "unknown applet message" "^fvm: error: 'frobnicate' is not an fvm applet" "$T_ERR"
t_run "no prefix abbreviation" 127 fvm conf
t_run "unknown applet through a link" 127 sh -c "ln -sf '$BIN/fvm' '$T_TMP/fvm-nope' && '$T_TMP/fvm-nope'"
t_run "help for an unknown applet" 127 fvm help frobnicate
t_run "no arguments is a usage error" 2 fvm
t_match "no arguments shows usage" '^usage: fvm APPLET' "$T_ERR"
t_run "fvm --help" 0 fvm --help
t_match "fvm --help lists applets" 'config +show the configuration' "$T_OUT"
t_run "unknown top-level option" 2 fvm --frob
t_run "unknown applet option" 2 fvm config --frob
t_match "unknown option message" "^fvm-config: error: unknown option --frob" "$T_ERR"
t_match "unknown option hint" "^Try 'fvm config --help'" "$T_ERR"
t_run "unknown short option" 2 fvm-config -Z
t_match "short option message" "^fvm-config: error: unknown option -Z" "$T_ERR"
t_run "fvm help --man needs an applet" 2 fvm help --man
# hooks for tests (docs/STYLE.md's table) stay out of the user manual
hooks=$(sed -n '/^## Hooks for tests only/,/^## [^H]/s/^| `\([A-Z_]*\)=.*/\1/p' "$TOP/docs/STYLE.md")
t_match "the hooks table names FVM_KILL_AT" '^FVM_KILL_AT$' "$hooks"
: >"$T_TMP/hook-pages"
for h in FVM_KILL $hooks; do
	grep -l "$h" "$BUILD"/man/*.[15] | sed "s|^|$h: |" >>"$T_TMP/hook-pages"
done
if [ -s "$T_TMP/hook-pages" ]; then
	t_fail "no test-only hook in the man pages" "$(tr '\n' ' ' <"$T_TMP/hook-pages")"
else
	t_ok "no test-only hook in the man pages"
fi
t_run "too many help arguments" 2 fvm help config help

# configuration
printf 'VM_PREFIX=x-\nSUBNET_NUMBER=33\n' >"$FVM_CONFIG"
t_run "config reads FVM_CONFIG" 0 fvm config SUBNET_NUMBER VM_PREFIX
t_eq "config values" "33
x-" "$T_OUT"
t_run "config --path" 0 fvm config --path
t_eq "config path" "$FVM_CONFIG" "$T_OUT"
t_run "config --json" 0 fvm config --json
t_match "config json" '"SUBNET_NUMBER": "33"' "$T_OUT"
if command -v python3 >/dev/null; then
	printf '%s' "$T_OUT" >"$T_TMP/c.json"
	t_run "config --json is valid JSON" 0 python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/c.json"
fi
t_run "config unknown key" 2 fvm config NOPE
# the keydist password: masked in every listing, given when named
printf 'FASTVM_KEYDIST_PASSWORD=s3cr3t-pw\n' >"$T_TMP/pw.conf"
t_run "config lists a password" 0 env FVM_CONFIG="$T_TMP/pw.conf" fvm config
t_match "config masks the password" "^FASTVM_KEYDIST_PASSWORD='\*{8}'$" "$T_OUT"
t_run "config --json lists a password" 0 env FVM_CONFIG="$T_TMP/pw.conf" fvm config --json
t_match "config --json masks the password" '"FASTVM_KEYDIST_PASSWORD": "\*{8}"' "$T_OUT"
t_nomatch "config --json never shows the password" 's3cr3t-pw' "$T_OUT"
t_run "config names the password" 0 env FVM_CONFIG="$T_TMP/pw.conf" fvm config FASTVM_KEYDIST_PASSWORD
t_eq "config gives a named password" 's3cr3t-pw' "$T_OUT"
# the full listing reads back as a config file with the same values
fvm config >"$T_TMP/round.conf"
t_run "config output reads back" 0 env FVM_CONFIG="$T_TMP/round.conf" fvm config
t_eq "config round trip" "$(fvm config)" "$T_OUT"

printf 'VM_PREFIX=ok\n\nSUBNET_NUMBER=300\n' >"$FVM_CONFIG"
t_run "bad subnet" 2 fvm config
t_eq "bad subnet: one line naming file and line" \
	"fvm-config: error: $FVM_CONFIG:3: SUBNET_NUMBER must be a number from 0 to 255, not '300'" "$T_ERR"
printf 'VM_PREFIX=\n' >"$FVM_CONFIG"
t_run "empty prefix" 2 fvm config
t_match "empty prefix message" "fast-vm.conf:1: VM_PREFIX must not be empty" "$T_ERR"
printf 'THINPOOL_VG=$(touch %s/pwned)\n' "$T_TMP" >"$FVM_CONFIG"
t_run "config never runs shell" 2 fvm config
[ -e "$T_TMP/pwned" ] && t_fail "nothing executed" "command ran" || t_ok "nothing executed"
printf 'just words\n' >"$FVM_CONFIG"
t_run "malformed line" 2 fvm config
t_eq "malformed line: one line" 1 "$(printf '%s\n' "$T_ERR" | wc -l)"
t_run "missing FVM_CONFIG file" 2 env FVM_CONFIG="$T_TMP/none.conf" fvm config
t_match "missing file message" "cannot read config $T_TMP/none.conf: No such file" "$T_ERR"
: >"$FVM_CONFIG"

# output errors: a full disk is reported, a closed pipe is not
if [ -w /dev/full ]; then
	t_run "write error reported" 1 sh -c 'fvm config >/dev/full'
	t_match "write error message" "^fvm-config: error: writing to standard output" "$T_ERR"
fi
t_run "closed pipe is silent" 0 sh -c 'fvm help config | head -c1 >/dev/null; fvm config --json | true'
t_eq "closed pipe: no message" "" "$T_ERR"

# completion answers from the tables
t_run "complete applets" 0 fvm complete -- fvm confi
t_eq "complete applets answer" "configure
config" "$T_OUT"
t_run "complete options through a link name" 0 fvm complete -- fvm-config --p
t_eq "complete options answer" "--path" "$T_OUT"
if command -v bash >/dev/null; then
	t_run "bash completion script" 0 bash -c '
		. "$1/completions/fvm.bash"
		COMP_WORDS=(fvm help con); COMP_CWORD=2; _fvm
		printf "%s\n" "${COMPREPLY[@]}"
		complete -p fvm-config' _ "$TOP"
	t_match "bash completion offers the applet" '^config$' "$T_OUT"
	t_match "bash completion registers the symlinks" 'fvm-config$' "$T_OUT"
fi

# completion of images and profiles comes from the store and the profile dirs
mkdir -p "$T_TMP/store/images" "$T_TMP/udir/prof1" "$T_TMP/sdir"
: >"$T_TMP/store/images/fastvm-centos7.raw"
: >"$T_TMP/store/images/fastvm-debian12.raw"
echo centos7 >"$T_TMP/udir/prof1/base_image"
printf 'FVM_STORAGE=dir\nFVM_STORE_DIR=%s\n' "$T_TMP/store" >"$FVM_CONFIG"
t_run "complete images and profiles" 0 env FVM_USER_DIR="$T_TMP/udir" \
	FVM_SYSTEM_DIR="$T_TMP/sdir" fvm complete -- fvm create ""
t_eq "images and profiles offered" "prof1
centos7
debian12" "$T_OUT"
t_run "complete images by prefix" 0 env FVM_USER_DIR="$T_TMP/udir" \
	FVM_SYSTEM_DIR="$T_TMP/sdir" fvm complete -- fvm-create de
t_eq "image prefix" "debian12" "$T_OUT"
: >"$FVM_CONFIG"
