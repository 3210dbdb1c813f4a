#!/bin/sh
# tests/cli/hardening.sh: the built fvm passes hardening-check; the Makefile's flags, packager overrides and missing-library message.
. "$(dirname "$0")/../lib.sh"

# make_n ARGS: what make would run for a fresh binary in a scratch build
# directory (its stamps stay out of $BUILD), every command line shown
make_n() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE \
		make -C "$TOP" -n -B V=1 BUILD="$T_TMP/b" "$@" "$T_TMP/b/bin/fvm" 2>&1
}

# --- the binary as make check built it
if [ -n "${SANITIZE:-}${ASAN_OPTIONS:-}" ]; then
	t_skip "hardening-check" "the sanitizer build goes without _FORTIFY_SOURCE by design"
elif ! command -v hardening-check >/dev/null; then
	t_skip "hardening-check" "hardening-check is not installed (devscripts; scripts/install-deps --test)"
else
	# Control-flow protection is marked in the ELF only when every object
	# linked in has it, the C library's start files too; where they lack
	# it (Debian 12) no program can pass, so the check is waived there and
	# fvm's own objects are checked for it instead.
	cfi=
	crt=$(${CC:-cc} -print-file-name=Scrt1.o 2>/dev/null)
	if [ "$(uname -m)" = x86_64 ] && ! readelf -n "$crt" 2>/dev/null | grep -q 'x86 feature: IBT, SHSTK'; then
		cfi=--nocfprotection
		obj=$(ls "$BUILD"/lib/*.o | head -n 1)
		t_match "fvm's objects carry control-flow protection (IBT, SHSTK)" \
			'x86 feature: IBT, SHSTK' "$(readelf -n "$obj")"
	fi
	t_run "hardening-check ${cfi:+$cfi }build/bin/fvm" 0 hardening-check $cfi "$BUILD/bin/fvm"
	for f in 'Position Independent Executable: yes' 'Stack protected: yes' \
		'Fortify Source functions: yes' 'Read-only relocations: yes' 'Immediate binding: yes'; do
		t_match "hardening-check: ${f%%:*}" "$f" "$T_OUT"
	done
fi

# --- flags: fvm's hardening by default, a packager's flags after them
out=$(make_n CPPFLAGS=-DPKG_CPP CFLAGS='-O1 -DPKG_C' LDFLAGS=-Wl,--build-id=sha1 WERROR=0)
t_eq "make -n with a packager's flags" 0 $?
cc_line=$(printf '%s\n' "$out" | grep -- ' -c -o .*cli/main\.o' | head -n 1)
ld_line=$(printf '%s\n' "$out" | grep -- "-o $T_TMP/b/bin/fvm " | head -n 1)
for f in -fPIE -fstack-protector-strong -D_FORTIFY_SOURCE= -DPKG_CPP -DPKG_C; do
	t_match "compile line has $f" " $f" "$cc_line"
done
t_match "fvm's flags come first, the packager's after" '-fstack-protector-strong.* -DPKG_CPP .*-O1 ' "$cc_line"
for f in -pie -Wl,-z,relro -Wl,-z,now -Wl,--build-id=sha1; do
	t_match "link line has $f" " $f( |$)" "$ld_line"
done
t_nomatch "WERROR=0: no -Werror" ' -Werror( |$)' "$cc_line"
# variant NAME MAKE-ARGS...: the compile line of cli/main.c (and the link
# line) with those arguments in $line; make has to show them
variant() {
	_n=$1
	shift
	line=$(make_n "$@" | grep -- " -c -o .*cli/main\.o\|-o $T_TMP/b/bin/fvm ")
	t_match "$_n: make -n shows the commands" 'cli/main\.c' "$line"
}
variant "WERROR=1" WERROR=1
t_match "WERROR=1: -Werror" ' -Werror( |$)' "$line"
variant "-O0" CFLAGS='-O0 -g'
t_nomatch "-O0: no _FORTIFY_SOURCE (it needs optimisation)" '_FORTIFY_SOURCE' "$line"
variant "a packager's fortify" CPPFLAGS=-D_FORTIFY_SOURCE=2
t_nomatch "a packager's _FORTIFY_SOURCE is left alone" '-U_FORTIFY_SOURCE|_FORTIFY_SOURCE=3' "$line"
variant "HARDEN=0" HARDEN=0 CFLAGS=-O2
t_nomatch "HARDEN=0: none of fvm's hardening" '-fstack-protector-strong|-pie|_FORTIFY' "$line"

# --- a missing library: one line naming the Debian package
cat >"$T_TMP/pkg-config" <<'EOF'
#!/bin/sh
# pkg-config without libvirt
for a; do [ "$a" = libvirt ] && exit 1; done
exec pkg-config "$@"
EOF
chmod +x "$T_TMP/pkg-config"
t_run "missing libvirt stops make" 2 env -u MAKEFLAGS make -C "$TOP" -s BUILD="$T_TMP/b" \
	PKG_CONFIG="$T_TMP/pkg-config" programs
t_match "one line names the package" \
	'fvm: libvirt \(pkg-config\) is missing: apt-get install libvirt-dev\.' "$T_ERR"
t_lines "nothing else said" 1 "$T_ERR"
t_run "missing pkg-config stops make" 2 env -u MAKEFLAGS make -C "$TOP" -s BUILD="$T_TMP/b" \
	PKG_CONFIG=no-such-pkg-config programs
t_match "one line names pkg-config" 'fvm: no-such-pkg-config is missing: apt-get install pkg-config' "$T_ERR"
t_run "make clean needs no library" 0 env -u MAKEFLAGS make -C "$TOP" -n BUILD="$T_TMP/b" \
	PKG_CONFIG="$T_TMP/pkg-config" clean
