# completions/fvm.fish: fish completion for fvm, its fvm-APPLET links,
# fast-vm and fast-vm-image. As for bash (completions/fvm.bash), the binary
# answers from its option tables and the live state: `fvm complete --
# WORDS...` prints the candidates for the last word, one per line. Where it
# offers nothing (a path goes there), file names are completed.
#
# fish loads NAME.fish for command NAME: the fvm-APPLET.fish, fast-vm.fish
# and fast-vm-image.fish installed beside this file are links to it, so
# it registers for the name it was loaded by, and for fvm.

function __fvm_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    # an empty current word still counts as one
    set -q cur[1]; or set cur ''
    # fvm-APPLET and fast-vm are links beside fvm: ask that fvm
    set -l bin fvm
    if string match -q -- '*/*' $words[1]
        set bin (string replace -r -- '[^/]*$' fvm $words[1])
    end
    set -l cands ($bin complete -- $words $cur 2>/dev/null)
    if set -q cands[1]
        printf '%s\n' $cands
    else
        __fish_complete_path $cur
    end
end

for __fvm_name in fvm (string replace -ra -- '^.*/|\.fish$' '' (status current-filename))
    complete -c $__fvm_name -f -a '(__fvm_complete)'
end
set -e __fvm_name
