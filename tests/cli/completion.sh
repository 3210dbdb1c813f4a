#!/bin/sh
# tests/cli/completion.sh: the bash, zsh and fish completions as make install puts them, each driven by its own shell.
#
# Each shell completes, from the installed files, an applet (fvm cre ->
# create), an option through an fvm-APPLET link (fvm-create --hos ->
# --hostname), an image of a test configuration (fvm create deb ->
# debian12), a fast-vm action, and falls back to file names where fvm
# offers nothing. zsh runs interactively under zpty with compinit, so its
# real completion system does the work; fish answers `complete -C`.
. "$(dirname "$0")/../lib.sh"

dest=$T_TMP/root
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$dest" PREFIX=/usr >"$T_TMP/log" 2>&1
t_eq "make install" 0 $?
share=$dest/usr/share

# the installed fvm answers, with a store holding two images and no
# system configuration or profiles of this host
export PATH="$dest/usr/bin:$PATH"
export FVM_CONFIG="$T_TMP/fast-vm.conf" FVM_USER_DIR="$T_TMP/udir" FVM_SYSTEM_DIR="$T_TMP/sdir"
mkdir -p "$T_TMP/store/images" "$T_TMP/udir" "$T_TMP/sdir" "$T_TMP/files/sub-dir"
: >"$T_TMP/store/images/fastvm-debian12.raw"
: >"$T_TMP/store/images/fastvm-centos7.raw"
printf 'FVM_STORAGE=dir\nFVM_STORE_DIR=%s\n' "$T_TMP/store" >"$FVM_CONFIG"
# no user's shell configuration may take part
export HOME="$T_TMP/home" XDG_CONFIG_HOME="$T_TMP/home/.config" XDG_DATA_HOME="$T_TMP/home/.local/share"
mkdir -p "$HOME"
cd "$T_TMP/files" || exit 1

# --- bash: the installed file, as bash-completion would load it
if command -v bash >/dev/null; then
	# comp WORDS...: the candidates for the last word
	cat >"$T_TMP/comp.bash" <<'EOF'
. "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _fvm
printf '%s\n' "${COMPREPLY[@]}"
EOF
	bcomp() { bash "$T_TMP/comp.bash" "$share/bash-completion/completions/fvm" "$@"; }
	t_eq "bash: applet" "create" "$(bcomp fvm cre)"
	t_eq "bash: option through fvm-create" "--hostname" "$(bcomp fvm-create --hos)"
	t_eq "bash: image name" "debian12" "$(bcomp fvm create deb)"
	t_eq "bash: fast-vm-image action" "import_profile" "$(bcomp fast-vm-image import_p)"
	[ "$(readlink "$share/bash-completion/completions/fvm-create")" = fvm ] &&
		t_ok "bash: fvm-create finds fvm's file" || t_fail "bash: fvm-create finds fvm's file" "no link"
else
	t_skip "bash completion" "bash is not installed"
fi

# --- zsh: an interactive zsh under zpty types each line with a TAB, and
# prints the line as completion left it
if command -v zsh >/dev/null; then
	cat >"$T_TMP/comp.zsh" <<'EOF'
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -d ${(q)HOME}/zcompdump"
zpty -w z 'zle-line-finish() { print -r -- "LINE[$BUFFER]" }; zle -N zle-line-finish'
shift
for l in "$@"; do
	# TAB completes; then the line is made a no-op command and run
	zpty -n -w z "$l"$'\t\C-a: \n'
done
zpty -n -w z $'exit\n'
out=
while zpty -r z chunk; do out+=$chunk; done
print -r -- "${out//$'\r'/}" | grep -a -o 'LINE\[: [^]]*\]' | sed 's/^LINE\[: //; s/\]$//'
EOF
	zlines=$(zsh -f "$T_TMP/comp.zsh" "$share/zsh/site-functions" \
		'fvm cre' 'fvm-create --hos' 'fvm create deb' 'fast-vm-image import_p' \
		'fvm-config --path sub-d' 2>"$T_TMP/zerr")
	zline() { printf '%s\n' "$zlines" | sed -n "${1}p" | sed 's/ *$//'; }
	t_eq "zsh: applet" "fvm create" "$(zline 1)"
	t_eq "zsh: option through fvm-create (compdef -p fvm-*)" "fvm-create --hostname" "$(zline 2)"
	t_eq "zsh: image name" "fvm create debian12" "$(zline 3)"
	t_eq "zsh: fast-vm-image action" "fast-vm-image import_profile" "$(zline 4)"
	# zsh drops the directory's / (an auto-removed suffix) at the newline
	t_match "zsh: file names where fvm offers nothing" "^fvm-config --path sub-dir/?$" "$(zline 5)"
else
	t_skip "zsh completion" "zsh is not installed (scripts/install-deps --test)"
fi

# --- fish: the vendor directory of the installed tree
if command -v fish >/dev/null; then
	fcomp() { XDG_DATA_DIRS=$share fish -c "complete -C '$1'" 2>&1 | cut -f1; }
	t_eq "fish: applet" "create" "$(fcomp 'fvm cre')"
	t_eq "fish: option through fvm-create" "--hostname" "$(fcomp 'fvm-create --hos')"
	t_eq "fish: image name" "debian12" "$(fcomp 'fvm create deb')"
	t_eq "fish: fast-vm-image action" "import_profile" "$(fcomp 'fast-vm-image import_p')"
	t_eq "fish: file names where fvm offers nothing" "sub-dir/" "$(fcomp 'fvm-config --path sub-d')"
	t_match "fish: every image offered" "^centos7
debian12$" "$(fcomp 'fvm create ' | grep -v '^[0-9]')"
else
	t_skip "fish completion" "fish is not installed (scripts/install-deps --test)"
fi
