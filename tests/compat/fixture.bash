# tests/compat/fixture.bash: a host as fast-vm 1.7 left it, for the personality tests (sourced after tests/lib.sh).
#
# compat_fixture makes, under $T_TMP:
#   - fast-vm.conf (VM_PREFIX=fvmcompat-, SUBNET_NUMBER=128, the dir
#     storage in $T_TMP/store) exported as FVM_CONFIG, with FVM_SYSTEM_DIR
#     ($T_TMP/etc, fast-vm's /etc/fast-vm) and FVM_USER_DIR ($T_TMP/user,
#     ~/.fast-vm);
#   - image c7 (a sparse 1 GiB disk) with fast-vm's per-image files:
#     config-c7.xml and hacks-c7.sh in the system dir, config-c7.xml and
#     delete-hacks-c7.sh in the user dir (the user's win);
#   - profiles: prof1 in the user dir (base_image, config.xml), prof2 in the
#     system dir (base_image, config.xml, hacks.sh, delete-hacks.sh);
#   - node.xml, libvirt's test driver state (FVM_URI=test:///$T_TMP/node.xml:
#     every fvm process starts from it, nothing persists): fast-vm's network
#     with its DHCP hosts and the domains fast-vm defined, with the title and
#     description fast-vm's create and edit_note wrote:
#       fvmcompat-c7-42 running,  alice, 2 days ago, no profile, "web server"
#       fvmcompat-c7-43 shut off, bob, 5 days ago, profile prof1, no note
#                       (and its disk, an overlay on c7's, in the store)
#       fvmcompat-c7-50 shut off, no description (defined by hand)
#       fvmcompat-c7    the image's base VM (no number: never listed)
#       other-vm-44     another tool's domain (not fast-vm's prefix)

# compat_template NAME: a fast-vm style template with its macros
compat_template() {
	cat <<-'EOF'
		<domain type='kvm'>
		  <name>VM_NAME</name>
		  <memory unit='KiB'>262144</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64' machine='pc'>hvm</type></os>
		  <devices>
		    <disk type='block' device='disk'>
		      <driver name='qemu' type='raw' cache='none'/>
		      <source dev='/dev/THINPOOL_VG/VM_NAME'/>
		      <target dev='vda' bus='virtio'/>
		    </disk>
		    <interface type='network'>
		      <mac address='52:54:00:12:34:VM_HEX_NUMBER'/>
		      <source network='LIBVIRT_NETWORK'/>
		      <model type='virtio'/>
		    </interface>
		  </devices>
		</domain>
	EOF
}

# compat_domain NAME HEX STATE [TITLE DESCRIPTION]: a domain fast-vm defined
compat_domain() {
	local runstate=1
	[ "$3" = "shut off" ] && runstate=5
	cat <<-EOF
		  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
		    <name>$1</name>
		    ${4:+<title>$4</title>}
		    ${5:+<description>$5</description>}
		    <memory unit='KiB'>262144</memory>
		    <os><type arch='x86_64'>hvm</type></os>
		    <devices>
		      <interface type='network'>
		        <mac address='52:54:00:12:34:$2'/>
		        <source network='$COMPAT_NET'/>
		      </interface>
		    </devices>
		    <test:runstate>$runstate</test:runstate>
		  </domain>
	EOF
}

compat_fixture() {
	local now
	now=$(date +%s)
	COMPAT_PREFIX=fvmcompat- COMPAT_NET=fvmtest-cmp COMPAT_SUBNET=128
	mkdir -p "$T_TMP/etc/prof2" "$T_TMP/user/prof1" "$T_TMP/store/images" \
		"$T_TMP/store/vms" "$T_TMP/state" "$T_TMP/locks"
	cat >"$T_TMP/fast-vm.conf" <<-CONF
		VM_PREFIX=$COMPAT_PREFIX
		LIBVIRT_NETWORK=$COMPAT_NET
		SUBNET_NUMBER=$COMPAT_SUBNET
		FVM_STORAGE=dir
		FVM_STORE_DIR=$T_TMP/store
		FVM_URI=test://$T_TMP/node.xml
		FVM_STATE_DIR=$T_TMP/state
	CONF
	export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
		FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

	truncate -s 1G "$T_TMP/store/images/${COMPAT_PREFIX}c7.raw"
	qemu-img create -q -f qcow2 -F raw \
		-b "$T_TMP/store/images/${COMPAT_PREFIX}c7.raw" \
		"$T_TMP/store/vms/${COMPAT_PREFIX}c7-43.qcow2"
	compat_template >"$T_TMP/etc/config-c7.xml"
	compat_template | sed 's/262144/131072/' >"$T_TMP/user/config-c7.xml"
	printf 'echo "hacks-c7 $VM_NAME" >>"%s/hacks.log"\n' "$T_TMP" >"$T_TMP/etc/hacks-c7.sh"
	printf 'echo "delete-hacks-c7 $VM_NAME" >>"%s/hacks.log"\n' "$T_TMP" \
		>"$T_TMP/user/delete-hacks-c7.sh"
	echo c7 >"$T_TMP/user/prof1/base_image"
	compat_template >"$T_TMP/user/prof1/config.xml"
	echo c7 >"$T_TMP/etc/prof2/base_image"
	compat_template >"$T_TMP/etc/prof2/config.xml"
	printf 'echo "prof2 $VM_NAME $profile_name" >>"%s/hacks.log"\n' "$T_TMP" \
		>"$T_TMP/etc/prof2/hacks.sh"
	printf 'echo "prof2-delete $VM_NAME" >>"%s/hacks.log"\n' "$T_TMP" \
		>"$T_TMP/etc/prof2/delete-hacks.sh"
	chmod +x "$T_TMP"/etc/*.sh "$T_TMP"/user/*.sh "$T_TMP"/etc/prof2/*.sh

	{
		echo "<node>"
		cat <<-EOF
			  <network>
			    <name>$COMPAT_NET</name>
			    <bridge name='fvmcmp0'/>
			    <forward mode='nat'/>
			    <ip address='192.168.$COMPAT_SUBNET.1' netmask='255.255.255.0'>
			      <dhcp>
			        <range start='192.168.$COMPAT_SUBNET.221' end='192.168.$COMPAT_SUBNET.254'/>
			        <host mac='52:54:00:99:ff:99' ip='192.168.$COMPAT_SUBNET.2'/>
			        <host mac='52:54:00:12:34:2a' ip='192.168.$COMPAT_SUBNET.42'/>
			        <host mac='52:54:00:12:34:2b' ip='192.168.$COMPAT_SUBNET.43'/>
			      </dhcp>
			    </ip>
			  </network>
		EOF
		compat_domain ${COMPAT_PREFIX}c7-42 2a running "042 alice web server" \
			"1,alice,$((now - 2 * 86400 - 60)),---,web server"
		compat_domain ${COMPAT_PREFIX}c7-43 2b "shut off" "043 bob" \
			"1,bob,$((now - 5 * 86400 - 60)),prof1,"
		compat_domain ${COMPAT_PREFIX}c7-50 32 "shut off"
		compat_domain ${COMPAT_PREFIX}c7 01 "shut off"
		compat_domain other-vm-44 2c running
		echo "</node>"
	} >"$T_TMP/node.xml"
}
