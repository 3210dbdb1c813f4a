#!/bin/sh
# tests/cli/connect.sh: which libvirt connection fvm uses (-c, LIBVIRT_DEFAULT_URI, FVM_URI), its errors, and fvm -V.
#
# Two states of libvirt's test driver (no daemon): A holds VM 42, B holds
# VM 43; which one an applet saw shows which URI it chose.
. "$(dirname "$0")/../lib.sh"

P=fvmtcn-
NET=fvmtest-cn
unset LIBVIRT_DEFAULT_URI
export FVM_CONFIG="$T_TMP/fast-vm.conf" FVM_USER_DIR="$T_TMP/user" \
	FVM_SYSTEM_DIR="$T_TMP/etc" FVM_LOCK_DIR="$T_TMP/locks"
mkdir -p "$T_TMP/store/images" "$T_TMP/store/vms" "$T_TMP/etc" \
	"$T_TMP/user" "$T_TMP/locks"

# node N: a test driver state with fvm's network and VM N
node() {
	cat <<-EOF
		<node>
		  <network>
		    <name>$NET</name>
		    <bridge name='fvmcn0'/>
		    <ip address='192.168.131.1' netmask='255.255.255.0'/>
		  </network>
		  <domain type='test'>
		    <name>${P}img-$1</name>
		    <title>$1 alice vm$1</title>
		    <description>1,alice,$(date +%s),---,vm$1</description>
		    <memory unit='KiB'>262144</memory>
		    <os><type arch='x86_64'>hvm</type></os>
		  </domain>
		</node>
	EOF
}
node 42 >"$T_TMP/a.xml"
node 43 >"$T_TMP/b.xml"
A="test://$T_TMP/a.xml"
B="test://$T_TMP/b.xml"
# conf [FVM_URI]: the configuration, with FVM_URI when given
conf() {
	cat >"$FVM_CONFIG" <<-CONF
		VM_PREFIX=$P
		LIBVIRT_NETWORK=$NET
		SUBNET_NUMBER=131
		FVM_STORAGE=dir
		FVM_STORE_DIR=$T_TMP/store
		${1:+FVM_URI=$1}
	CONF
}
conf "$A"

# --- the order: -c, then LIBVIRT_DEFAULT_URI, then FVM_URI
t_run "list: FVM_URI" 0 fvm list -s
t_eq "list: FVM_URI's VMs" "42" "$T_OUT"
t_run "list -c test:///default" 0 fvm list -s -c test:///default
t_eq "list -c test:///default: no VM of ours there" "" "$T_OUT"
t_run "list -c URI" 0 fvm list -s -c "$B"
t_eq "list: -c beats FVM_URI" "43" "$T_OUT"
t_run "list --connect=URI" 0 fvm list --connect="$B" -s
t_eq "list: --connect=URI" "43" "$T_OUT"
t_run "list with LIBVIRT_DEFAULT_URI=test:///default" 0 \
	env LIBVIRT_DEFAULT_URI=test:///default fvm list -s
t_eq "list: LIBVIRT_DEFAULT_URI beats FVM_URI" "" "$T_OUT"
t_run "list with LIBVIRT_DEFAULT_URI" 0 env LIBVIRT_DEFAULT_URI="$B" fvm list -s
t_eq "list: LIBVIRT_DEFAULT_URI's VMs" "43" "$T_OUT"
t_run "list with -c and LIBVIRT_DEFAULT_URI" 0 \
	env LIBVIRT_DEFAULT_URI="$B" fvm list -s -c "$A"
t_eq "list: -c beats LIBVIRT_DEFAULT_URI" "42" "$T_OUT"
t_run "list with an empty LIBVIRT_DEFAULT_URI" 0 \
	env LIBVIRT_DEFAULT_URI= fvm list -s
t_eq "list: an empty LIBVIRT_DEFAULT_URI counts as unset" "42" "$T_OUT"

t_run "info -c URI" 0 fvm info -c "$B" 43
t_match "info -c: VM 43 of B" "vm43" "$T_OUT"
t_run "info: VM 43 is not in FVM_URI's" 3 fvm info 43
t_run "info with LIBVIRT_DEFAULT_URI" 0 env LIBVIRT_DEFAULT_URI="$B" fvm info 43
t_run "info: -c beats LIBVIRT_DEFAULT_URI" 3 \
	env LIBVIRT_DEFAULT_URI="$B" fvm info -c "$A" 43
t_run "info --json -c test:///default: no VM 42 there" 3 \
	fvm info --json -c test:///default 42

# --- a URI fvm cannot connect to: one line that says where it came from
t_run "list -c with a bad URI" 1 fvm list -c '::bad'
t_lines "bad -c: one line" 1 "$T_ERR"
t_match "bad -c: names the URI and -c" \
	"^fvm-list: error: cannot connect to ::bad \(from -c\): " "$T_ERR"
t_run "info with a bad LIBVIRT_DEFAULT_URI" 1 \
	env LIBVIRT_DEFAULT_URI='::bad' fvm info 42
t_lines "bad LIBVIRT_DEFAULT_URI: one line" 1 "$T_ERR"
t_match "bad LIBVIRT_DEFAULT_URI: names it" \
	"^fvm-info: error: cannot connect to ::bad \(from LIBVIRT_DEFAULT_URI\): " "$T_ERR"
conf '::bad'
t_run "list with a bad FVM_URI" 1 fvm list
t_lines "bad FVM_URI: one line" 1 "$T_ERR"
t_match "bad FVM_URI: names the file" \
	"^fvm-list: error: cannot connect to ::bad \(FVM_URI in $FVM_CONFIG\): " "$T_ERR"
t_run "a good -c over a bad FVM_URI" 0 fvm list -s -c "$B"
t_eq "good -c over a bad FVM_URI: its VMs" "43" "$T_OUT"
conf "$A"
t_run "list -c ''" 2 fvm list -c ''
t_match "empty -c: usage error" "^fvm-list: error: -c, --connect: the URI is empty" "$T_ERR"
t_run "list -c without a URI" 2 fvm list -c
t_match "-c without a URI: usage error" "^fvm-list: error: " "$T_ERR"

# --- every applet that talks to libvirt takes -c, and says so
for a in compact console create delete doctor du image-compact info keydist \
	list note resize rsync scp ssh start stop wait; do
	fvm "$a" --help >"$T_TMP/help" 2>&1
	t_match "fvm $a --help shows -c" '^ +-c, --connect URI ' "$(cat "$T_TMP/help")"
done
t_run "stop -c with a bad URI" 1 fvm stop -c '::bad' 42
t_match "stop -c: the connection failed" "^fvm-stop: error: cannot connect to ::bad" "$T_ERR"
t_run "doctor -c with a bad URI" 1 fvm doctor -c '::bad'
t_match "doctor -c: the connection failed" "^fvm-doctor: error: cannot connect to ::bad" "$T_ERR"

# --- fvm -V
t_run "fvm -V" 0 fvm -V
short=$T_OUT
t_run "fvm --version" 0 fvm --version
t_eq "fvm -V is fvm --version" "$T_OUT" "$short"
t_run "fvm --version --verbose" 0 fvm --version --verbose
verbose=$T_OUT
t_eq "--verbose: fvm's version first" "$short" "$(printf '%s\n' "$verbose" | head -1)"
for lib in libvirt libguestfs liblzma libarchive libcurl libxml2 zlib libzstd \
	openssl libdevmapper; do
	t_match "--verbose: $lib and its version" "^$lib [0-9]+\.[0-9]+" "$verbose"
done
t_lines "--verbose: fvm and ten libraries" 11 "$verbose"
t_run "fvm -V -v" 0 fvm -V -v
t_eq "fvm -V -v is fvm --version --verbose" "$verbose" "$T_OUT"
t_run "fvm -v -V" 0 fvm -v -V
t_eq "fvm -v -V: the same" "$verbose" "$T_OUT"
t_run "fvm -v alone" 2 fvm -v
t_match "-v alone: usage error" "^fvm: error: -v goes with --version" "$T_ERR"
t_run "fvm -V with an argument" 2 fvm -V list
t_match "-V list: usage error" "^fvm: error: --version takes only --verbose" "$T_ERR"
exit 0
