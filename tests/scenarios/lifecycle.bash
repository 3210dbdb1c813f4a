# tests/scenarios/lifecycle.bash: create, note, resize, delete, rollbacks, parallel creates, fast-vm's own VMs, completion and the base VM, on every store.
#
# Sourced by tests/e2e/lifecycle.sh (dir store) and tests/lvm/lifecycle.sh
# (lvm store) once the store holds image $IMG (the test guest's
# partitioned disk, template $T_TMP/etc/config-$IMG.xml), prefix $P, on
# network $NET (192.168.$SUBNET.0/24), fvm's config exported. Guests are
# never booted here. The wrapper provides:
#   s_disk NAME         the path of VM NAME's disk
#   s_disk_size NAME    its size in bytes, as the store's tools say
#   s_disks_left        the VM disks of image $IMG the store holds, one a line
#   s_fastvm_vm N XML   VM N's disk made the way fast-vm makes it, and its
#                       domain XML written to XML
#   IMAGE_DISK          the image's own disk, as a domain names it (an ERE)
#   LC_PARALLEL         how many VMs lc_parallel creates at once (default
#                       10; 50 up to 59 at most)
# This file only defines the steps, lc_*; the wrapper runs them in order,
# with its store's own checks in between.

hosts() { v net-dumpxml "$NET" | grep -c "<host mac="; }
domains() { v list --all --name | grep -c "^$P$IMG-"; }
# lc_disk_gone NAME N: VM N's disk is gone
lc_disk_gone() {
	[ -e "$(s_disk "$P$IMG-$2")" ] && t_fail "$1" "$(s_disk "$P$IMG-$2") is still there" || t_ok "$1"
}

lc_errors() {
	t_run "missing image exits 3" 3 fvm create nosuch 42
	t_match "missing image message" "fvm-create: error: .*nosuch" "$T_ERR"
	t_run "number out of range exits 2" 2 fvm create $IMG 221
	t_eq "out of range: one line" 1 "$(printf '%s\n' "$T_ERR" | grep -c error)"
	t_run "delete of a missing VM exits 3" 3 fvm delete 43
	t_run "start of a missing VM exits 3" 3 fvm start 43
	t_eq "no domain after the errors" 0 "$(domains)"
	t_eq "no disk after the errors" "" "$(s_disks_left)"
}

# lc_create: VMs 42 and 43
lc_create() {
	local mac
	t_run "create $IMG 42 43" 0 fvm create $IMG 42 43
	t_match "create prints the VM" "42 +$P$IMG-42 +192\.168\.$SUBNET\.42" "$T_OUT"
	t_eq "domains defined" 2 "$(domains)"
	[ -e "$(s_disk "$P$IMG-42")" ] && t_ok "disk made" || t_fail "disk made" "no $(s_disk "$P$IMG-42")"
	t_match "domain disk is the VM's" "<source (file|dev)='$(s_disk "$P$IMG-42")'" "$(v dumpxml $P$IMG-42)"
	mac=$(v domiflist $P$IMG-42 | awk '{print $5}')
	t_eq "derived MAC" "52:54:00:f5:$(printf %02x "$SUBNET"):2a" "$mac"
	t_match "DHCP reservation for .42" "<host mac='$mac'.* ip='192\.168\.$SUBNET\.42'" "$(v net-dumpxml $NET)"
	t_eq "two DHCP entries and the dummy" 3 "$(hosts)"
	t_eq "title as fast-vm writes it" "042 $(id -un)" "$(v desc --title $P$IMG-42)"
	t_match "description as fast-vm writes it" "^1,$(id -un),[0-9]{10},---,$" "$(v desc $P$IMG-42)"
	t_run "create 42 again exits 4" 4 fvm create $IMG 42
	t_match "exists message" "VM 42 exists already" "$T_ERR"
	t_eq "still two domains" 2 "$(domains)"
	t_run "info --json" 0 fvm info --json 42
	t_match "info state" '"state": "shut off"' "$T_OUT"
	t_match "info ip" "\"ip\": \"192.168.$SUBNET.42\"" "$T_OUT"
	t_match "info disk" "\"disk\": \"$(s_disk "$P$IMG-42")\"" "$T_OUT"
}

# lc_note_resize_delete: on 42 (shut off), then 42 and 43 go
lc_note_resize_delete() {
	local mac
	mac=$(v domiflist $P$IMG-42 | awk '{print $5}')
	t_run "note" 0 fvm note 42 a note, with commas
	t_eq "note in the title" "042 $(id -un) a note, with commas" "$(v desc --title $P$IMG-42)"
	t_match "note in the description" "^1,$(id -un),[0-9]+,---,a note, with commas$" "$(v desc $P$IMG-42)"
	t_run "list shows the note" 0 fvm list
	t_match "list row with the note" "^ 42 $IMG +shut off +--- .*$(id -un): a note, with commas$" "$T_OUT"
	t_run "resize 42 to 1G" 0 fvm resize --json 42 1
	t_json_check resize
	t_match "resized" '"disk_size": 1073741824' "$(fvm info --json 42)"
	t_eq "the disk is 1 GiB" 1073741824 "$(s_disk_size $P$IMG-42)"
	t_run "shrinking needs --force" 2 fvm resize 42 512M
	t_eq "still 1 GiB" 1073741824 "$(s_disk_size $P$IMG-42)"
	t_run "delete 42 43" 0 fvm delete --json 42 43
	t_json_check delete
	t_eq "no domain" 0 "$(domains)"
	lc_disk_gone "disk removed" 42
	t_eq "no VM disk left" "" "$(s_disks_left)"
	t_eq "only the dummy DHCP host is left" 1 "$(hosts)"
	t_nomatch "no lease for the MAC" "$mac" "$(v net-dhcp-leases $NET)"
}

# lc_failures: a create that fails half-way leaves nothing
lc_failures() {
	local pid rc
	mkdir -p "$T_TMP/user/badxml"
	echo $IMG >"$T_TMP/user/badxml/base_image"
	sed 's/<devices>/<devices><frobnicate\/>/' "$T_TMP/etc/config-$IMG.xml" >"$T_TMP/user/badxml/config.xml"
	t_run "define failure exits 1" 1 fvm create badxml 43
	t_match "define failure says why" "fvm-create: error:" "$T_ERR"
	t_eq "define failure: no domain" 0 "$(domains)"
	t_eq "define failure: no disk" "" "$(s_disks_left)"
	t_eq "define failure: no DHCP entry" 1 "$(hosts)"
	sed 's/^LIBVIRT_NETWORK=.*/LIBVIRT_NETWORK=fvmtest-none/' "$FVM_CONFIG" >"$T_TMP/nonet.conf"
	sed "s/$NET/fvmtest-none/" "$T_TMP/etc/config-$IMG.xml" >"$T_TMP/nonet.xml"
	mkdir -p "$T_TMP/user/nonet"
	echo $IMG >"$T_TMP/user/nonet/base_image"
	cp "$T_TMP/nonet.xml" "$T_TMP/user/nonet/config.xml"
	t_run "missing network exits 3" 3 env FVM_CONFIG="$T_TMP/nonet.conf" fvm create nonet 44
	t_match "missing network named" "fvmtest-none" "$T_ERR"
	t_eq "network failure: no domain" 0 "$(domains)"
	t_eq "network failure: no disk" "" "$(s_disks_left)"

	# a hack file runs with fast-vm's variables; under --strict its
	# failure rolls back
	mkdir -p "$T_TMP/user/hacky"
	echo $IMG >"$T_TMP/user/hacky/base_image"
	cp "$T_TMP/etc/config-$IMG.xml" "$T_TMP/user/hacky/config.xml"
	cat >"$T_TMP/user/hacky/hacks.sh" <<'HACK'
echo "$VM_NAME $vm_number $VM_HEX_NUMBER $VM_MAC $image_name $profile_name $LIBVIRT_NETWORK" >"$MARK"
exit ${HACK_RC:-0}
HACK
	t_run "create with a hack file" 0 env MARK="$T_TMP/mark" fvm create hacky 45
	t_eq "hack saw fast-vm's variables" "$P$IMG-45 45 2d 52:54:00:f5:$(printf %02x "$SUBNET"):2d $IMG hacky $NET" "$(cat "$T_TMP/mark" 2>/dev/null)"
	t_match "profile recorded" "^1,$(id -un),[0-9]+,hacky,$" "$(v desc $P$IMG-45)"
	t_run "failing hack only warns" 0 env MARK="$T_TMP/mark" HACK_RC=3 fvm create hacky 46
	t_match "failing hack warning" "warning: hack file .* failed with exit status 3" "$T_ERR"
	t_run "failing hack under --strict exits 1" 1 env MARK="$T_TMP/mark" HACK_RC=3 fvm create --strict hacky 47
	t_eq "--strict rolled back the domain" "" "$(v list --all --name | grep -- "-$IMG-47")"
	lc_disk_gone "--strict rolled back the disk" 47
	t_run "delete the hacky VMs" 0 fvm delete -q 45 46

	# Ctrl-C during a create rolls it back
	cat >"$T_TMP/user/hacky/hacks.sh" <<'HACK'
touch "$MARK.started"; sleep 3
HACK
	rm -f "$T_TMP/mark.started"
	MARK="$T_TMP/mark" fvm create hacky 48 >/dev/null 2>"$T_TMP/int.err" &
	pid=$!
	for _ in $(seq 100); do [ -e "$T_TMP/mark.started" ] && break; sleep 0.1; done
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	t_eq "interrupted create exits 1" 1 "$rc"
	t_match "interrupted create says so" "interrupted" "$(cat "$T_TMP/int.err")"
	t_eq "interrupted create: no domain" 0 "$(domains)"
	t_eq "interrupted create: no disk" "" "$(s_disks_left)"
	t_eq "interrupted create: no DHCP entry" 1 "$(hosts)"
}

# lc_parallel: LC_PARALLEL numbers in separate processes, then 5 fights
# over one
lc_parallel() {
	local n fails=0 job ok=0 busy=0 pids=() rc k=${LC_PARALLEL:-10}
	for n in $(seq 50 $((49 + k))); do
		fvm create -q $IMG $n >"$T_TMP/p$n.out" 2>&1 &
		pids+=($!)
	done
	for job in "${pids[@]}"; do wait "$job" || fails=$((fails + 1)); done
	if [ "$fails" -eq 0 ]; then
		t_ok "$k parallel creates succeed"
	else
		t_fail "$k parallel creates succeed" "$fails failed: $(cat "$T_TMP"/p5?.out | tr '\n' ';')"
	fi
	t_eq "$k domains" "$k" "$(domains)"
	t_eq "$k disks" "$k" "$(s_disks_left | wc -l)"
	t_eq "DHCP table has the $k entries and the dummy" $((k + 1)) "$(hosts)"
	pids=()
	for n in 1 2 3 4 5; do
		fvm create -q $IMG 60 >"$T_TMP/s$n.out" 2>&1 &
		pids+=($!)
	done
	for job in "${pids[@]}"; do
		rc=0
		wait "$job" || rc=$?
		case $rc in 0) ok=$((ok + 1)) ;; 4) busy=$((busy + 1)) ;; esac
	done
	t_eq "same number 5 times: one created" 1 "$ok"
	t_eq "same number 5 times: four exit 4" 4 "$busy"
	t_run "delete a range and one more" 0 fvm delete -q 50-$((49 + k)) 60
	t_eq "all deleted" 0 "$(domains)"
	t_eq "no disk left" "" "$(s_disks_left)"
	t_eq "DHCP table back to the dummy" 1 "$(hosts)"
	t_run "multi-VM create in one call" 0 fvm create $IMG 61-63
	t_match "summary line" "3 of 3 created" "$T_ERR"
	t_run "multi-VM delete with a missing one" 3 fvm delete 61-64
	t_match "summary names the failure" "3 of 4 deleted, failed: 64" "$T_ERR"
	t_eq "multi-VM: nothing left" "0 " "$(domains) $(s_disks_left)"
}

# lc_fastvm: a VM made by fast-vm itself (its disk, its virsh define and
# metadata) is listed, noted and deleted like fvm's own
lc_fastvm() {
	local mac
	t_run "fast-vm's disk and XML" 0 s_fastvm_vm 70 "$T_TMP/fastvm.xml"
	t_run "fast-vm's define" 0 v define "$T_TMP/fastvm.xml"
	v desc --config $P$IMG-70 --title --new-desc "070 alice" >/dev/null
	v desc --config $P$IMG-70 --new-desc "1,alice,1589700000,myprof,old, note" >/dev/null
	mac=$(v domiflist $P$IMG-70 | awk '{print $5}')
	t_run "fast-vm's DHCP entry" 0 v net-update "$NET" add-last ip-dhcp-host \
		"<host mac='$mac' ip='192.168.$SUBNET.70'/>" --live --config
	t_run "fast-vm's VM listed" 0 fvm list --json
	t_match "fast-vm's owner" '"owner": "alice"' "$T_OUT"
	t_match "fast-vm's profile" '"profile": "myprof"' "$T_OUT"
	t_match "fast-vm's note with a comma" '"note": "old, note"' "$T_OUT"
	t_match "fast-vm's activity" '"activity": "2020-05-17T07:20:00Z"' "$T_OUT"
	t_run "fast-vm's VM in the table" 0 fvm list
	t_match "table row" "^ 70 $IMG +shut off +myprof +.*d ago  alice: old, note$" "$T_OUT"
	t_run "note on fast-vm's VM" 0 fvm note 70 -- new note
	t_eq "title rewritten" "070 alice new note" "$(v desc --title $P$IMG-70)"
	t_match "description keeps owner and profile" "^1,alice,[0-9]+,myprof,new note$" "$(v desc $P$IMG-70)"
	t_run "delete fast-vm's VM" 0 fvm delete 70
	t_eq "fast-vm's VM gone" 0 "$(domains)"
	t_eq "its disk gone" "" "$(s_disks_left)"
	t_eq "its DHCP entry gone" 1 "$(hosts)"
}

# lc_complete: completion from live state
lc_complete() {
	t_run "create for completion" 0 fvm create -q $IMG 80 81
	t_run "complete used numbers" 0 fvm complete -- fvm delete 8
	t_eq "used numbers offered" "80
81" "$T_OUT"
	t_run "complete free numbers" 0 fvm complete -- fvm create $IMG 8
	t_eq "free numbers skip the used ones" "82 83 84 85 86 87 88 89" "$(echo $T_OUT)"
	t_run "complete running numbers" 0 fvm complete -- fvm stop ""
	t_eq "nothing runs" "" "$T_OUT"
	t_run "delete after completion" 0 fvm delete -q 80 81
}

# lc_base: the image's base VM: its disk is the image itself
lc_base() {
	t_run "create base" 0 fvm create $IMG base
	t_match "base VM uses the image's disk" "<source (file|dev)='$IMAGE_DISK'" "$(v dumpxml $P$IMG)"
	t_eq "base VM has no DHCP entry" 1 "$(hosts)"
	t_run "base again exits 4" 4 fvm create $IMG base
	v undefine $P$IMG >/dev/null
}

# lc_refused: a real fast-vm template libvirt refuses: the error says why
lc_refused() {
	local nvme=$TOP/../shared/fixtures/fast-vm-templates/debian/xml/debian-11-current-nvme.xml
	if [ ! -r "$nvme" ]; then
		t_skip "nvme template refused" "no fixture $nvme"
		return
	fi
	mkdir -p "$T_TMP/user/nvme"
	echo $IMG >"$T_TMP/user/nvme/base_image"
	cp "$nvme" "$T_TMP/user/nvme/config.xml"
	t_run "nvme template refused" 1 fvm create nvme 90
	t_match "the error names the nvme bus" "fvm-create: error: cannot define domain .*'bus'.*'nvme'" "$T_ERR"
	t_eq "nvme refusal: one line" 1 "$(printf '%s\n' "$T_ERR" | wc -l)"
	t_eq "nvme refusal leaves no domain" 0 "$(domains)"
	t_eq "nvme refusal leaves no disk" "" "$(s_disks_left)"
}
