#!/bin/sh
# tests/cli/man.sh: every man page renders without a groff warning, has the sections a reader looks for, and agrees with --help.
. "$(dirname "$0")/../lib.sh"

# no system configuration may leak into these tests
export FVM_CONFIG="$T_TMP/fast-vm.conf"
: >"$FVM_CONFIG"
MAN=$BUILD/man

if ! command -v groff >/dev/null; then
	t_skip "man pages render" "groff is not installed (scripts/install-deps --test)"
	exit 0
fi

# the text of a page's section (roff requests dropped, escapes undone)
section() {
	sed -n "/^\.SH \"\{0,1\}$2\"\{0,1\}\$/,/^\.SH /p" "$1" | sed '1d;$d' |
		sed -n '/^\./{s/^\.[BI]R\{0,1\} //p;d;};p' | sed 's/\\-/-/g; s/\\e/\\/g; s/\\&//g; s/\\f[BIRP]//g'
}

hooks=$(sed -n 's/^| `\(FVM_[A-Z_]*\)=.*/\1/p' "$TOP/docs/STYLE.md" | paste -sd'|')
[ -n "$hooks" ] && t_ok "docs/STYLE.md lists hooks" || t_fail "docs/STYLE.md lists hooks" "no table"
pages=$(cd "$MAN" && ls fvm.1 fvm.conf.5 fvm-*.1 ./*.8 | sed 's|^\./||')
for p in fvm $(fvm --list | sed 's/^/fvm-/') fast-vm fast-vm-image \
	configure-fast-vm fast-vm-net-cleanup; do
	printf '%s\n' "$pages" | grep -qx "$p\.[158]" && t_ok "page of $p built" ||
		t_fail "page of $p built" "no $p.N in $MAN"
done

for p in $pages; do
	f=$MAN/$p
	t_run "$p renders" 0 groff -ww -z -man "$f"
	t_eq "$p: no groff warning" "" "$T_ERR"
	case $p in
	fvm.conf.5) want="NAME DESCRIPTION EXAMPLE SEE_ALSO" ;;
	fast-vm.8 | fast-vm-image.8)
		want="NAME SYNOPSIS DESCRIPTION ACTIONS EXAMPLES EXIT_STATUS ENVIRONMENT FILES SEE_ALSO" ;;
	fvm.1) want="NAME SYNOPSIS DESCRIPTION EXAMPLES EXIT_STATUS ENVIRONMENT FILES SEE_ALSO" ;;
	*) want="NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES EXIT_STATUS ENVIRONMENT FILES SEE_ALSO" ;;
	esac
	have=$(sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f" | tr ' ' _)
	for s in $want; do
		printf '%s\n' "$have" | grep -qx "$s" && t_ok "$p has $s" ||
			t_fail "$p has $s" "sections: $(echo $have)"
	done
	# the order a reader expects: each required section after the last
	order=$(printf '%s\n' "$have" | grep -x "$(echo $want | sed 's/ /\\|/g')" | tr '\n' ' ')
	t_eq "$p: sections in order" "$want " "$order"
	# docs/STYLE.md's hooks for tests stay out of the user pages
	grep -qE "$hooks" "$f" &&
		t_fail "$p: no test-only hook" "$(grep -nE "$hooks" "$f" | head -1)" ||
		t_ok "$p: no test-only hook"
done

# SYNOPSIS is --help's usage, both forms
for a in $(fvm --list); do
	use=$(fvm "$a" --help | sed -n 's/^usage: //p; s/^   or: //p')
	t_eq "fvm-$a.1 SYNOPSIS is --help's usage" "$use" "$(section "$MAN/fvm-$a.1" SYNOPSIS)"
done
# each paragraph of --help's description is one in the page (EXIT
# STATUS takes those about the exit status)
for a in $(fvm --list); do
	want=$(fvm "$a" --help | awk '/^Options:/ {exit} /^$/ {n++; prev = ""; next}
		n >= 2 && !/^Exit status/ && (prev == "" ) {c++} {prev = $0}
		END {print c + 0}')
	have=$(sed -n '/^\.SH DESCRIPTION/,/^\.SH /p' "$MAN/fvm-$a.1" |
		grep -c '^\.PP\|^\.IP')
	[ "$want" -le 1 ] && want=1
	t_eq "fvm-$a.1: DESCRIPTION has --help's paragraphs" "$want" "$((have + 1))"
done
t_run "fast-vm-net-cleanup --help" 0 fast-vm-net-cleanup --help
t_eq "fast-vm-net-cleanup.8 SYNOPSIS is --help's usage" \
	"$(printf '%s\n' "$T_OUT" | sed -n 's/^usage: //p')" \
	"$(section "$MAN/fast-vm-net-cleanup.8" SYNOPSIS)"
t_run "configure-fast-vm --help" 0 configure-fast-vm --help
t_match "configure-fast-vm takes configure's options" '--storage KIND' "$T_OUT"
# fast-vm(8) and fast-vm-image(8) describe every action their usage lists
for p in fast-vm fast-vm-image; do
	t_run "$p usage" 1 "$p"
	acts=$(sed -n '/^\.SH ACTIONS/,/^\.SH /{/^\.TP/{n;s/^\.B \([a-z_]*\).*/\1/p}}' "$MAN/$p.8")
	for u in $(printf '%s\n' "$T_OUT" | sed -n "s/^$p \([a-z_]*\) .*/\1/p; s/^$p \([a-z_]*\)\$/\1/p"); do
		printf '%s\n' "$acts" | grep -qx "$u" && t_ok "$p.8 describes $u" ||
			t_fail "$p.8 describes $u" "not under ACTIONS"
	done
done

# EXAMPLES are real command lines: the applet exists and takes every
# option given before the first operand (with its argument, if any)
check_example() { # PAGE LINE
	set -- "$1" $(printf '%s\n' "$2" | sed 's/^\$ //; s/^sudo //')
	page=$1
	shift
	[ "$1" = fvm ] || return 0
	a=$2
	shift 2
	if ! help=$(fvm "$a" --help 2>&1); then
		t_fail "$page example: fvm $a" "no such applet"
		return
	fi
	bad=""
	while [ $# -gt 0 ]; do
		case $1 in
		--) break ;;
		--*) o=${1%%=*} ;;
		-?*) o=$(printf '%s' "$1" | cut -c1-2) ;;
		*) break ;;
		esac
		line=$(printf '%s\n' "$help" | grep -E -- "^ +(-., )?$o( |,|\$)|^ +$o, " | head -1)
		[ -n "$line" ] || bad="$bad $o"
		shift
		# an option with an argument takes the next word
		case $line in
		*"$o "[A-Z\[]*) [ "$o" = "${o#--}" ] || shift ;;
		esac
		case $line in
		*"-"?", --"*" "[A-Z\[]*) [ "${#o}" -eq 2 ] && shift ;;
		esac
	done
	[ -z "$bad" ] && t_ok "$page example: fvm $a" ||
		t_fail "$page example: fvm $a" "unknown option(s)$bad"
}
for p in fvm.1 $(fvm --list | sed 's/.*/fvm-&.1/'); do
	n=0
	section "$MAN/$p" EXAMPLES | grep '^\$ ' >"$T_TMP/ex"
	while IFS= read -r l; do
		n=$((n + 1))
		check_example "$p" "$l"
	done <"$T_TMP/ex"
	[ "$n" -gt 0 ] && t_ok "$p has example commands" ||
		t_fail "$p has example commands" "no '\$ ' line under EXAMPLES"
done
# the examples that need no VM run as shown
t_run "example: fvm help create" 0 fvm help create
t_run "example: fvm config VM_PREFIX" 0 fvm config VM_PREFIX
t_eq "example: fvm config VM_PREFIX prints the default" "fastvm-" "$T_OUT"
t_run "example: fvm config -p" 0 fvm config -p
t_eq "example: fvm config -p names the file" "$FVM_CONFIG" "$T_OUT"
