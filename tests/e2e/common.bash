# tests/e2e/common.bash: what e2e tests on the dir storage share: a store in the lab's directory, a fast-vm network, fvm's config, cleanup.
#
# Sourced after tests/lib.sh. e2e_setup PREFIX NET SUBNET TAG makes:
#   - $store, a store directory under $LAB_DIR that qemu (libvirt-qemu) can
#     reach, named e2e-TAG.*;
#   - the network NET (192.168.SUBNET.0/24, fast-vm's);
#   - $T_TMP/fast-vm.conf with VM_PREFIX=PREFIX, exported as FVM_CONFIG
#     with FVM_SYSTEM_DIR=$T_TMP/etc, FVM_USER_DIR=$T_TMP/user and
#     FVM_LOCK_DIR, FVM_STATE_DIR=$T_TMP/state;
# and removes, before and after the test, every domain whose name starts
# with PREFIX (a prefix of its own keeps tests on one libvirtd apart), the
# network and the store. e2e_image IMG [boot|kernel] puts the test guest
# (partitioned or direct-boot) in as image IMG with its template.

LAB_DIR=${FVM_LAB_DIR:-/var/lib/fvm-lab}
GUEST_DIR=${FVM_GUEST_DIR:-$TOP/build/guest}
URI=qemu:///system

v() {
	if [ "${1:-}" = net-dumpxml ]; then
		shift
		e2e_net_dumpxml "$@"
		return
	fi
	timeout 60 virsh -q -c "$URI" "$@"
}

# On a network with dnsmasq's dhcp-hostsdir (scripts/lab net-define
# --hostsdir; FVM_LAB_HOSTSDIR=1 runs every test on such networks) fvm
# keeps each reservation as a file there: net-dumpxml shows those as
# <host> lines too, so tests check a reservation the same way on both
# kinds of network.
e2e_net_dumpxml() {
	local xml dir f mac ip name hosts=
	xml=$(timeout 60 virsh -q -c "$URI" net-dumpxml "$@") || return
	dir=$(printf '%s\n' "$xml" | sed -n "s|.*value='dhcp-hostsdir=\([^']*\)'.*|\1|p")
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		for f in "$dir"/*; do
			[ -f "$f" ] || continue
			IFS=, read -r mac ip name <"$f"
			# shellcheck disable=SC2016 # quotes of the XML, expanded
			hosts="$hosts      <host mac='$mac'${name:+ name='$name'} ip='$ip'/>
"
		done
	fi
	printf '%s\n' "$xml" | H=$hosts awk '/<\/dhcp>/ { printf "%s", ENVIRON["H"] } { print }'
}

e2e_remove_all() {
	local d
	for d in $(v list --all --name | grep "^$E2E_PREFIX"); do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	"$TOP/scripts/lab" net-undefine "$E2E_NET" >/dev/null 2>&1
	rm -rf "$LAB_DIR"/e2e-"$E2E_TAG".*
}

e2e_setup() {
	E2E_PREFIX=$1 E2E_NET=$2 E2E_SUBNET=$3 E2E_TAG=$4
	# a run killed before its cleanup must not break the next one
	e2e_remove_all
	t_on_exit e2e_remove_all
	if ! "$TOP/scripts/mkguest" -q -o "$GUEST_DIR" >/dev/null; then
		t_fail "mkguest" "failed"
		exit 1
	fi
	if ! "$TOP/scripts/lab" net-define "$E2E_NET" "$E2E_SUBNET" >/dev/null; then
		t_fail "network $E2E_NET" "cannot define"
		exit 1
	fi
	store=$(mktemp -d "$LAB_DIR/e2e-$E2E_TAG.XXXXXX")
	chmod 0755 "$store"
	mkdir -p "$store/images" "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks" \
		"$T_TMP/state"
	cat >"$T_TMP/fast-vm.conf" <<-CONF
		VM_PREFIX=$E2E_PREFIX
		LIBVIRT_NETWORK=$E2E_NET
		SUBNET_NUMBER=$E2E_SUBNET
		FVM_STORAGE=dir
		FVM_STORE_DIR=$store
		FVM_DOMAIN_TYPE=qemu
		FVM_STATE_DIR=$T_TMP/state
	CONF
	export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
		FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks
}

e2e_image() {
	local img=$1 variant=${2:-boot} disk=fvm-test-boot.raw xml=config-fvm-test-boot.xml
	if [ "$variant" = kernel ]; then
		disk=fvm-test.raw
		xml=config-fvm-test.xml
	fi
	cp --sparse=always "$GUEST_DIR/$disk" "$store/images/$E2E_PREFIX$img.raw"
	cp "$GUEST_DIR/$xml" "$T_TMP/etc/config-$img.xml"
}

