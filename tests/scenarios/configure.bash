# tests/scenarios/configure.bash: fvm configure on every store: bad answers, from nothing, a re-run that changes nothing, a subnet conflict, create and delete with the result, configure-fast-vm, Ctrl-C.
#
# Sourced by tests/e2e/configure.sh (dir store) and tests/lvm/configure.sh
# (lvm store, on a loop file) with prefix $P, network $NET
# (192.168.$SUBNET.0/24, made by configure), config file $CONF (not made
# yet), FVM_CONFIG unset and FVM_SYSTEM_DIR etc. under $T_TMP. The wrapper
# provides:
#   cf ARGS...        fvm configure --config $CONF with its --sudoers
#   CF_STORE_ARGS     the store's answers (an array: --storage ...)
#   CF_RERUN_ARGS     what a re-run must repeat (an array, may be empty)
#   CF_STORAGE        what the config says of FVM_STORAGE
#   s_image           image $IMG put in the configured store
#   s_disk NAME       the path of VM NAME's disk
#   s_created NAME    (optional) the store's own checks of VM NAME's disk
# This file only defines the steps, cf_*; the wrapper runs them in order,
# with its store's own checks in between.

cf_bad_answers() {
	t_run "bad subnet exits 2" 2 cf --yes "${CF_STORE_ARGS[@]}" \
		--network $NET --subnet 300 --prefix $P
	t_lines "bad subnet: one line" 1 "$T_ERR"
	t_match "bad subnet message" "^fvm-configure: error: subnet must be a number from 0 to 255, not '300'$" "$T_ERR"
	t_run "bad VG name exits 2" 2 cf --yes --storage lvm --vg 'vg/../x' \
		--network $NET --subnet $SUBNET --prefix $P
	t_lines "bad VG name: one line" 1 "$T_ERR"
	t_match "bad VG name message" "^fvm-configure: error: volume group .*'vg/\.\./x'$" "$T_ERR"
	[ ! -e "$CONF" ] && t_ok "no config after bad answers" ||
		t_fail "no config after bad answers" "$CONF exists"
	v net-info $NET >/dev/null 2>&1 && t_fail "no network after bad answers" "$NET exists" ||
		t_ok "no network after bad answers"
}

# cf_from_nothing ARGS...: configure --yes with the store's answers and
# ARGS; the wrapper then checks the storage line and what it made
cf_from_nothing() {
	local xml
	t_run "configure --yes from nothing" 0 cf --yes "${CF_STORE_ARGS[@]}" \
		--network $NET --subnet $SUBNET --prefix $P "$@"
	CF_OUT=$T_OUT CF_ERR=$T_ERR
	t_match "network checked" "^ok +network +$NET 192\.168\.$SUBNET\.0/24 active, autostarted$" "$T_OUT"
	t_nomatch "no check failed" "FAILED" "$T_OUT"
	t_match "says what it made" "fvm-configure: network $NET \(192\.168\.$SUBNET\.0/24\): defined autostarted started" "$T_ERR"
	t_match "config: fast-vm's keys, bare" "^SUBNET_NUMBER=$SUBNET$" "$(cat "$CONF")"
	t_match "config: prefix" "^VM_PREFIX=$P$" "$(cat "$CONF")"
	t_eq "config readable by fvm" "$SUBNET $NET $CF_STORAGE" \
		"$(FVM_CONFIG=$CONF fvm config SUBNET_NUMBER LIBVIRT_NETWORK FVM_STORAGE | tr '\n' ' ' | sed 's/ $//')"
	t_eq "network autostarted" yes "$(v net-info $NET | awk '$1 == "Autostart:" {print $2}')"
	xml=$(v net-dumpxml $NET)
	t_match "network: NAT" "<forward mode='nat'" "$xml"
	t_match "network: host address" "<ip address='192\.168\.$SUBNET\.1' netmask='255\.255\.255\.0'" "$xml"
	t_match "network: dummy DHCP host" "<host mac='52:54:00:99:ff:99' ip='192\.168\.$SUBNET\.2'/>" "$xml"
	t_nomatch "network: no dynamic range" "<range " "$xml"
	t_match "network: reservations as files for dnsmasq" "dhcp-hostsdir=/var/lib/fvm/dhcp/$NET'" "$xml"
}

# cf_rerun FILE...: a second run with the same answers changes nothing,
# FILEs (the config and what else configure wrote) included
cf_rerun() {
	local sum
	sum=$(sha256sum "$@"; stat -c %Y.%y "$@")
	t_run "re-run exits 0" 0 cf --yes "${CF_RERUN_ARGS[@]}"
	t_match "re-run says nothing changed" "nothing to change" "$T_ERR"
	t_eq "re-run: files untouched" "$sum" "$(sha256sum "$@"; stat -c %Y.%y "$@")"
	t_run "re-run --json" 0 cf --yes --json "${CF_RERUN_ARGS[@]}"
	t_eq "JSON: every check ok" "ok" "$(printf '%s' "$T_OUT" |
		python3 -c 'import json,sys; print(",".join(sorted({c["result"] for c in json.load(sys.stdin) if c["check"] != "sudoers"})))')"
	# an existing network with another subnet is a conflict
	sum=$(sha256sum "$CONF")
	t_run "other subnet exits 4" 4 cf --yes "${CF_RERUN_ARGS[@]}" --subnet $((SUBNET + 1))
	t_match "conflict message" "network $NET exists with subnet 192\.168\.$SUBNET\.0/24" "$T_ERR"
	t_eq "conflict: config untouched" "$sum" "$(sha256sum "$CONF")"
}

# cf_create_delete: fvm works with what configure made (guests not booted)
cf_create_delete() {
	local entry=/var/lib/fvm/dhcp/$NET/192.168.$SUBNET.42
	export FVM_CONFIG=$CONF
	s_image
	cp "$GUEST_DIR/config-fvm-test-boot.xml" "$T_TMP/etc/config-$IMG.xml"
	t_run "create with the configured host" 0 fvm create $IMG 42
	t_eq "domain defined" "$P$IMG-42" "$(v list --all --name | grep "^$P")"
	t_match "domain on the store's disk" "<source (file|dev)='$(s_disk "$P$IMG-42")'" "$(v dumpxml "$P$IMG-42")"
	! declare -F s_created >/dev/null || s_created "$P$IMG-42"
	t_match "DHCP entry in the configured network" "^52:54:00:f5:$(printf %02x "$SUBNET"):2a,192\.168\.$SUBNET\.42," \
		"$(cat "$entry" 2>&1)"
	t_run "delete" 0 fvm delete 42
	t_eq "domain gone" "" "$(v list --all --name | grep "^$P")"
	[ ! -e "$(s_disk "$P$IMG-42")" ] && t_ok "disk gone" ||
		t_fail "disk gone" "$(s_disk "$P$IMG-42") is still there"
	[ ! -e "$entry" ] && t_ok "DHCP entry gone" || t_fail "DHCP entry gone" "$entry is still there"
	unset FVM_CONFIG
}

# cf_fast_vm: configure-fast-vm on the configuration, Enter everywhere:
# the same flow, fast-vm's wording on stdout
cf_fast_vm() {
	local rc=0
	printf '%s\n' "" "" "" "" "" "" "" "" "" >"$T_TMP/answers"
	FVM_CONFIG=$CONF configure-fast-vm --sudoers none <"$T_TMP/answers" \
		>"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
	t_eq "configure-fast-vm exits 0" 0 "$rc"
	t_match "configure-fast-vm: fast-vm's banner" "^\[inf\] ==>> fast-vm configuration script$" "$(cat "$T_TMP/out")"
	t_match "configure-fast-vm: fast-vm's question" "^\[\?\] VM name prefix in libvirt" "$(cat "$T_TMP/out")"
	t_match "configure-fast-vm: last line" "^\[ok\] fast-vm configured$" "$(tail -n 1 "$T_TMP/out")"
	t_eq "configure-fast-vm: config kept" "$SUBNET $NET $CF_STORAGE" \
		"$(FVM_CONFIG=$CONF fvm config SUBNET_NUMBER LIBVIRT_NETWORK FVM_STORAGE | tr '\n' ' ' | sed 's/ $//')"
}

# cf_interrupted: Ctrl-C while answering: nothing written
cf_interrupted() {
	local conf3=$T_TMP/interrupted.conf pid rc=0
	mkfifo "$T_TMP/fifo"
	fvm configure --config "$conf3" --sudoers "$T_TMP/sudoers3" \
		<"$T_TMP/fifo" >"$T_TMP/out" 2>"$T_TMP/err" &
	pid=$!
	exec 7>"$T_TMP/fifo"
	printf 'dir\n%s\n' "$T_TMP/store3" >&7
	for _ in $(seq 100); do
		grep -q 'VM name prefix' "$T_TMP/err" && break
		sleep 0.1
	done
	kill -INT $pid
	wait $pid || rc=$?
	exec 7>&-
	t_eq "Ctrl-C: killed by SIGINT" 130 "$rc"
	t_match "Ctrl-C: says nothing changed" "interrupted: nothing was changed" "$(cat "$T_TMP/err")"
	[ ! -e "$conf3" ] && t_ok "Ctrl-C: no config" || t_fail "Ctrl-C: no config" "$conf3 written"
	[ ! -e "$T_TMP/store3" ] && t_ok "Ctrl-C: no store" || t_fail "Ctrl-C: no store" "$T_TMP/store3 made"
	[ ! -e "$T_TMP/sudoers3" ] && t_ok "Ctrl-C: no sudo rule" || t_fail "Ctrl-C: no sudo rule" "written"
}
