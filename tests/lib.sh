# tests/lib.sh: helpers shared by fvm's shell tests (sourced, POSIX sh + local).
#
# Every check prints one line the runner counts:
#   ok - NAME
#   FAIL - NAME: DETAIL
#   SKIP - NAME: REASON
# A test file that exits non-zero without printing FAIL counts as one failure.

T_FAILED=0
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fvm-test.XXXXXX")
trap 't_cleanup' EXIT
T_CLEANUP=""

# t_cleanup: run registered cleanup commands, remove the scratch dir.
t_cleanup() {
	rc=$?
	if [ -n "$T_CLEANUP" ]; then
		eval "$T_CLEANUP" >/dev/null 2>&1 || :
	fi
	rm -rf "$T_TMP"
	if [ "$T_FAILED" -ne 0 ]; then
		exit 1
	fi
	exit $rc
}

# t_on_exit CMD: register a cleanup command (run in reverse order).
t_on_exit() {
	T_CLEANUP="$1; $T_CLEANUP"
}

t_ok() { echo "ok - $1"; }
t_fail() {
	T_FAILED=1
	echo "FAIL - $1: $2"
}
t_skip() { echo "SKIP - $1: $2"; }

# t_run NAME RC CMD...: run CMD, keep stdout in $T_OUT and stderr in $T_ERR,
# pass when its exit status is RC.
t_run() {
	_name=$1 _want=$2
	shift 2
	# "|| ..." keeps a failing command from ending a test run under set -e
	T_RC=0
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || T_RC=$?
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
	if [ "$T_RC" -eq "$_want" ]; then
		t_ok "$_name"
		return 0
	fi
	# what the command said: stderr, and stdout when that is all it said
	# (a report on stdout explains a non-zero exit as well)
	if [ -s "$T_TMP/err" ] || [ ! -s "$T_TMP/out" ]; then
		t_fail "$_name" "exit $T_RC, wanted $_want; stderr: $(head -c 300 "$T_TMP/err")"
	else
		t_fail "$_name" "exit $T_RC, wanted $_want; stderr empty; stdout: $(head -c 600 "$T_TMP/out" | tr "\n" ";")"
	fi
	return 1
}

# t_eq NAME WANT GOT
t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "wanted [$2], got [$3]"
	fi
}

# t_match NAME ERE STRING: STRING matches the extended regular expression.
t_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		t_ok "$1"
	else
		t_fail "$1" "[$3] does not match /$2/"
	fi
}

# t_nomatch NAME ERE STRING
t_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		t_fail "$1" "[$3] matches /$2/"
	else
		t_ok "$1"
	fi
}

# t_lines NAME N STRING: STRING has exactly N lines.
t_lines() {
	_n=$(printf '%s\n' "$3" | wc -l)
	[ -z "$3" ] && _n=0
	t_eq "$1" "$2" "$_n"
}

# t_json_check APPLET: $T_OUT, the output of `fvm APPLET --json`, is
# valid against the applet's schema in docs/json.md (tests/tools/json-check)
t_json_check() {
	if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		t_skip "$1 --json matches its schema" "python3's jsonschema module is not installed (scripts/install-deps --test)"
		return 0
	fi
	if printf '%s\n' "$T_OUT" | "$TOP/tests/tools/json-check" "$1" - 2>"$T_TMP/json-check.err"; then
		t_ok "$1 --json matches its schema"
	else
		t_fail "$1 --json matches its schema" "$(head -c 400 "$T_TMP/json-check.err" | tr '\n' ';')"
	fi
}
