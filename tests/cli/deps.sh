#!/bin/sh
# tests/cli/deps.sh: scripts/install-deps' sets, and the Ansible role's package lists kept equal to them.
. "$(dirname "$0")/../lib.sh"

deps=$TOP/scripts/install-deps
for set in runtime build test; do
	t_run "--print --$set" 0 "$deps" --print "--$set"
	eval "$set=\$T_OUT"
	[ -n "$T_OUT" ] && t_ok "$set set is not empty" || t_fail "$set set is not empty" "empty"
	t_eq "$set: each package once" "" "$(printf '%s\n' "$T_OUT" | sort | uniq -d)"
done
t_run "--print runtime (the set's bare name)" 0 "$deps" --print runtime
t_eq "bare name: the same list" "$runtime" "$T_OUT"
t_run "--print: all three by default" 0 "$deps" --print
t_eq "default: the union of the three" \
	"$(printf '%s\n' "$runtime" "$build" "$test" | sort -u)" "$(printf '%s\n' "$T_OUT" | sort)"
t_run "unknown argument" 2 "$deps" --print --bogus
t_match "unknown argument: one error line" "^install-deps: error: unknown argument '--bogus'" "$T_ERR"
t_run "--help" 0 "$deps" --help
t_match "--help documents the sets" "^runtime " "$T_OUT"

# what fvm runs for its users is in the runtime set, not left to the others
for p in openssh-client rsync sshpass qemu-utils lvm2 thin-provisioning-tools dnsmasq-base; do
	t_match "runtime has $p" "^$p$" "$runtime"
done
# the runtime set installs no system libvirtd on a developer's or CI's
# machine (none may start in the root network namespace)
t_nomatch "runtime: no libvirt-daemon-system" "^libvirt-daemon-system$" "$runtime"

# the role's lists are install-deps' lists
if ! python3 -c 'import yaml' 2>/dev/null; then
	t_skip "role package lists" "python3's yaml module is not installed (it comes with ansible-core)"
	exit 0
fi
role() {
	python3 -c 'import sys, yaml
print("\n".join(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]]))' \
		"$TOP/deploy/ansible/roles/fvm/defaults/main.yml" "$1"
}
t_eq "role: fvm_runtime_packages is install-deps --print --runtime" "$runtime" "$(role fvm_runtime_packages)"
t_eq "role: fvm_build_packages is install-deps --print --build" "$build" "$(role fvm_build_packages)"
t_eq "role: fvm_server_packages adds libvirtd's system service" "libvirt-daemon-system" \
	"$(role fvm_server_packages)"
t_match "role installs the three lists" \
	'fvm_build_packages \+ fvm_runtime_packages \+ fvm_server_packages' \
	"$(cat "$TOP/deploy/ansible/roles/fvm/tasks/install.yml")"
