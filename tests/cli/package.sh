#!/bin/sh
# tests/cli/package.sh: make dist's tarball; the .deb built from it (the distcheck build), checked, installed and purged in a throw-away root; the RPM spec.
#
# One build serves all: dpkg-buildpackage in the unpacked tarball builds
# fvm as a distribution would (dpkg-buildflags, WERROR=0, no .git), so
# the tarball is shown to be complete, its fvm to know its version, and the
# package to be right. dpkg --root installs it into a directory of its own
# (the host's dpkg database is not touched) and purges it again.
. "$(dirname "$0")/../lib.sh"

if [ -n "${SANITIZE:-}${ASAN_OPTIONS:-}" ]; then
	t_skip "release packaging" "checked once, in the cli tier, not again in the sanitizer's"
	exit 0
fi
if [ ! -e "$TOP/.git" ] || ! command -v git >/dev/null; then
	t_skip "release packaging" "make dist needs fvm's git checkout"
	exit 0
fi
# a make of its own, not a job of the make that runs the tests, nor
# building into the tests' $BUILD
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u SANITIZE make "$@"; }

# --- the versions a release states agree: NEWS, debian/changelog, the spec
news=$(sed -n 's/^fvm \([0-9][0-9A-Za-z.~]*\) (.*/\1/p' "$TOP/NEWS" | head -n 1)
deb=$(sed -n '1s/^fvm (\([^)-]*\)-[^)]*).*/\1/p' "$TOP/debian/changelog")
spec=$(sed -n 's/^%global fvm_default_version //p' "$TOP/packaging/fvm.spec")
t_match "NEWS names a version" '^[0-9]+\.[0-9]+\.[0-9]+' "$news"
t_eq "debian/changelog's upstream version is NEWS's" "$news" "$deb"
t_eq "the spec's version is NEWS's" "$news" "$spec"

# --- make dist
v=$("$TOP/scripts/version")
t_run "make dist" 0 make -C "$TOP" -s dist DISTDIR="$T_TMP/d1"
tarball=$T_TMP/d1/fvm-$v.tar.gz
[ -s "$tarball" ] && t_ok "fvm-$v.tar.gz" || t_fail "fvm-$v.tar.gz" "not made: $(ls "$T_TMP/d1")"
t_eq "one top directory, fvm-$v/" "fvm-$v/" "$(tar -tzf "$tarball" | sed 's|/.*|/|' | sort -u)"
t_eq "exactly the tracked files and VERSION" \
	"$( (cd "$TOP" && git ls-files; echo VERSION) | sort)" \
	"$(tar -tzf "$tarball" | grep -v '/$' | sed "s|^fvm-$v/||" | sort)"
t_eq "VERSION holds the version" "$v" "$(tar -xzOf "$tarball" "fvm-$v/VERSION")"
t_eq "files owned by root" "0/0" "$(tar -tzvf "$tarball" | awk '{print $2}' | sort -u)"
make -C "$TOP" -s dist DISTDIR="$T_TMP/d2" >/dev/null 2>&1
t_eq "made twice, the same bytes" "$(sha256sum <"$tarball")" \
	"$(sha256sum <"$T_TMP/d2/fvm-$v.tar.gz" 2>/dev/null)"

src=$T_TMP/src/fvm-$v
mkdir -p "$T_TMP/src"
tar -xzf "$tarball" -C "$T_TMP/src"
t_run "the tarball knows its version without git" 0 "$src/scripts/version"
t_eq "tarball's version" "$v" "$T_OUT"
line=$(mk -C "$src" -n -B V=1 build/cli/main.o 2>&1 | grep -- ' -c -o build/cli/main.o')
t_match "a tarball builds without -Werror" ' -Wall ' "$line"
t_nomatch "a tarball builds without -Werror: none" ' -Werror( |$)' "$line"

# --- the .deb, built from the tarball (the distcheck build)
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
	t_skip "debian package" "dpkg-buildpackage or debhelper is not installed (scripts/install-deps --test)"
	t_run "distcheck: make in the unpacked tarball" 0 mk -C "$src" -j"$(nproc)" programs
else
	# nocheck: the unit tier runs on its own; noddebs: no debug symbols package
	t_run "dpkg-buildpackage -us -uc -b in the unpacked tarball" 0 env -u MAKEFLAGS -u MFLAGS \
		-u MAKELEVEL -u BUILD -u SANITIZE DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
		sh -c 'cd "$1" && dpkg-buildpackage -us -uc -b' _ "$src"
fi
t_run "distcheck: the built fvm runs" 0 "$src/build/bin/fvm" --version
t_eq "distcheck: it says the tarball's version" "fvm $v" "$T_OUT"

debfile=$(ls "$T_TMP"/src/fvm_*_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
if [ -n "$debfile" ]; then
	t_eq "package name" "fvm" "$(dpkg-deb -f "$debfile" Package)"
	t_eq "package version: debian/changelog's" "$deb-1" "$(dpkg-deb -f "$debfile" Version)"
	depends=$(dpkg-deb -f "$debfile" Depends)
	for d in openssh-client qemu-utils 'libvirt0 ' 'libguestfs0 ' 'libc6 '; do
		t_match "Depends: $d" "(^|, )$d" "$depends"
	done
	for r in lvm2 thin-provisioning-tools dnsmasq-base rsync sshpass sudo libvirt-daemon-system; do
		t_match "Recommends: $r" "(^|, )$r(,|$)" "$(dpkg-deb -f "$debfile" Recommends)"
	done

	x=$T_TMP/x
	dpkg-deb -x "$debfile" "$x"
	if command -v hardening-check >/dev/null; then
		crt=$(${CC:-cc} -print-file-name=Scrt1.o 2>/dev/null)
		cfi=
		readelf -n "$crt" 2>/dev/null | grep -q 'x86 feature: IBT, SHSTK' || cfi=--nocfprotection
		t_run "hardening-check ${cfi:+$cfi }on the packaged fvm" 0 hardening-check $cfi "$x/usr/bin/fvm"
	else
		t_skip "hardening-check on the packaged fvm" "devscripts is not installed"
	fi

	if command -v lintian >/dev/null; then
		# lintian's exit status counts warnings too: errors are what fail
		lintian --fail-on none "$debfile" >"$T_TMP/lintian" 2>&1
		t_eq "lintian: no errors" "" "$(grep '^E:' "$T_TMP/lintian")"
		echo "lintian said:"
		sed 's/^/  /' "$T_TMP/lintian"
	else
		t_skip "lintian" "lintian is not installed (scripts/install-deps --test)"
	fi

	# a throw-away root: dpkg's own database in it, nothing of the host's
	r=$T_TMP/root
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
	: >"$r/var/lib/dpkg/status"
	: >"$r/var/lib/dpkg/available"
	if [ "$(id -u)" -ne 0 ]; then
		t_skip "install in a throw-away root" "dpkg --root needs root"
	else
		# the package's dependencies are the host's business, not this root's
		t_run "dpkg --root install" 0 dpkg --root="$r" --force-depends -i "$debfile"
		t_match "dpkg: installed" '^ii +fvm ' "$(dpkg --root="$r" -l fvm 2>/dev/null)"
		t_run "installed fvm --list" 0 "$r/usr/bin/fvm" --list
		t_match "--list names create" '^create$' "$T_OUT"
		t_run "installed fvm-create link" 0 "$r/usr/bin/fvm-create" --help
		t_run "installed fast-vm link is the personality" 1 "$r/usr/bin/fast-vm"
		t_match "fast-vm banner" "^== fast-vm version 1.7 \(fvm $v\) ==" "$T_OUT"
		for f in usr/share/man/man1/fvm.1.gz usr/share/man/man1/fvm-create.1.gz \
			usr/share/man/man5/fvm.conf.5.gz usr/share/man/man8/fast-vm.8.gz \
			usr/share/bash-completion/completions/fvm \
			usr/share/zsh/vendor-completions/_fvm \
			usr/share/fish/vendor_completions.d/fvm.fish \
			usr/share/doc/fvm/copyright usr/share/doc/fvm/NEWS.gz; do
			[ -s "$r/$f" ] && t_ok "installed /$f" || t_fail "installed /$f" "missing"
		done
		n=$(dpkg --root="$r" -L fvm | wc -l)
		t_run "dpkg --root purge" 0 dpkg --root="$r" --purge fvm
		left=$(cd "$r" && find . -mindepth 1 ! -path './var/lib/dpkg*' ! -path ./var/lib ! -path ./var)
		t_eq "purge leaves nothing of the $n paths it installed" "" "$left"
	fi
fi

# --- the RPM spec: a source package from the tarball
if command -v rpmbuild >/dev/null; then
	t_run "rpmbuild -bs packaging/fvm.spec" 0 rpmbuild -bs --define "_topdir $T_TMP/rpm" \
		--define "_sourcedir $T_TMP/d1" --define "fvm_version $v" "$TOP/packaging/fvm.spec"
	srpm=$(ls "$T_TMP"/rpm/SRPMS/*.src.rpm 2>/dev/null)
	t_eq "source rpm fvm-$v-1" "fvm-$v-1.src.rpm" "$(basename "${srpm:-none}")"
	t_eq "it carries the tarball and the spec" "fvm-$v.tar.gz
fvm.spec" "$(rpm -qpl "$srpm" 2>/dev/null | sort)"
	t_run "rpmbuild -ts finds the spec in the tarball" 0 rpmbuild -ts \
		--define "_topdir $T_TMP/rpm2" --define "fvm_version $v" "$tarball"
else
	t_skip "rpm spec" "rpmbuild is not installed (rpm; scripts/install-deps --test)"
fi
