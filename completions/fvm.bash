# completions/fvm.bash: bash completion for fvm and its fvm-APPLET symlinks.
# The binary answers from its option tables and the live state:
# `fvm complete -- WORDS...` prints the candidates for the last word.

_fvm() {
	local cur words cword bin
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
	fi
	# fvm-APPLET and fast-vm are symlinks beside fvm: ask fvm itself
	case ${words[0]} in
	*/*) bin=${words[0]%/*}/fvm ;;
	*) bin=fvm ;;
	esac
	local IFS=$'\n'
	COMPREPLY=($("$bin" complete -- "${words[@]:0:cword+1}" 2>/dev/null))
	if declare -F __ltrim_colon_completions >/dev/null; then
		__ltrim_colon_completions "$cur"
	fi
}

# -o default: where fvm offers nothing (paths), bash completes file names;
# fast-vm and fast-vm-image are fvm too, with fast-vm 1.7's command lines
complete -o default -F _fvm fvm fast-vm fast-vm-image \
	$(fvm --list 2>/dev/null | sed 's/^/fvm-/')
