#!/bin/sh
# tests/cli/install.sh: make install puts binary, links, pages, completion; uninstall removes exactly that.
. "$(dirname "$0")/../lib.sh"

dest=$T_TMP/root
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$dest" PREFIX=/opt/fvm >"$T_TMP/log" 2>&1
t_eq "make install" 0 $?
for a in $(fvm --list); do
	[ "$(readlink "$dest/opt/fvm/bin/fvm-$a")" = fvm ] &&
		t_ok "link fvm-$a" || t_fail "link fvm-$a" "missing or wrong"
	[ -s "$dest/opt/fvm/share/man/man1/fvm-$a.1" ] &&
		t_ok "page fvm-$a.1" || t_fail "page fvm-$a.1" "missing"
done
for p in fast-vm fast-vm-image; do
	[ "$(readlink "$dest/opt/fvm/bin/$p")" = fvm ] &&
		t_ok "link $p" || t_fail "link $p" "missing or wrong"
	[ "$(readlink "$dest/opt/fvm/share/bash-completion/completions/$p")" = fvm ] &&
		t_ok "completion link $p" || t_fail "completion link $p" "missing or wrong"
done
t_run "installed fast-vm is the personality" 1 "$dest/opt/fvm/bin/fast-vm"
t_match "fast-vm usage banner" "^== fast-vm version 1.7 \(fvm " "$T_OUT"
for p in fast-vm fast-vm-image configure-fast-vm fast-vm-net-cleanup; do
	[ -s "$dest/opt/fvm/share/man/man8/$p.8" ] &&
		t_ok "page $p.8" || t_fail "page $p.8" "missing"
done
[ -x "$dest/opt/fvm/bin/fvm" ] && t_ok "binary" || t_fail "binary" "missing"
[ -s "$dest/opt/fvm/share/man/man1/fvm.1" ] && t_ok "fvm.1" || t_fail "fvm.1" "missing"
[ -s "$dest/opt/fvm/share/man/man5/fvm.conf.5" ] && t_ok "fvm.conf.5" || t_fail "fvm.conf.5" "missing"
[ -s "$dest/opt/fvm/share/bash-completion/completions/fvm" ] && t_ok "completion" ||
	t_fail "completion" "missing"
[ -s "$dest/opt/fvm/share/zsh/site-functions/_fvm" ] && t_ok "zsh completion" ||
	t_fail "zsh completion" "missing"
[ -s "$dest/opt/fvm/share/fish/vendor_completions.d/fvm.fish" ] && t_ok "fish completion" ||
	t_fail "fish completion" "missing"
[ "$(readlink "$dest/opt/fvm/share/fish/vendor_completions.d/fvm-create.fish")" = fvm.fish ] &&
	t_ok "fish completion link fvm-create" || t_fail "fish completion link fvm-create" "missing or wrong"
t_run "installed link runs" 0 "$dest/opt/fvm/bin/fvm-config" --help
if command -v man >/dev/null; then
	t_run "fvm.1 renders" 0 man -l "$dest/opt/fvm/share/man/man1/fvm.1"
	t_match "fvm.1 lists an applet" 'fvm-config' "$T_OUT"
	t_run "fvm.conf.5 renders" 0 man -l "$dest/opt/fvm/share/man/man5/fvm.conf.5"
fi
# something of the user's beside ours must survive uninstall
echo keep >"$dest/opt/fvm/bin/other"
make -s -C "$TOP" BUILD="$BUILD" uninstall DESTDIR="$dest" PREFIX=/opt/fvm >"$T_TMP/log" 2>&1
t_eq "make uninstall" 0 $?
left=$(cd "$dest" && find . -type f -o -type l | sort)
t_eq "uninstall removes exactly what install put" "./opt/fvm/bin/other" "$left"
