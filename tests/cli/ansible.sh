#!/bin/sh
# tests/cli/ansible.sh: the Ansible role deploy/ansible/roles/fvm against this host, with everything it writes under $T_TMP.
#
# ansible-playbook -c local: the role unpacks a make dist tarball of this
# tree, builds it into $BUILD (already there: the tarball's files are made
# older than the build, so make has nothing to do; tests/cli/package.sh
# builds a tarball from scratch) and installs it with DESTDIR=$T_TMP/root;
# fvm configure
# talks to libvirt's test:///default and writes its config, store, sudo rule
# and a copy of libvirtd.conf under $T_TMP. No apt, no restart of libvirtd.
. "$(dirname "$0")/../lib.sh"

if ! command -v ansible-playbook >/dev/null 2>&1; then
	t_skip "ansible role" "ansible-playbook is not installed (scripts/install-deps: ansible-core)"
	exit 0
fi
if [ -n "${ASAN_OPTIONS:-}" ]; then
	t_skip "ansible role" "the role runs make without the sanitizer build's flags"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	t_skip "ansible role" "the role's group and user tasks need root"
	exit 0
fi

# a group and a member it already has, so the user task changes nothing
# on this host: libvirt-qemu in kvm (made by scripts/lab), else no users
group=root users=[]
if id -nG libvirt-qemu 2>/dev/null | tr ' ' '\n' | grep -qx kvm; then
	group=kvm users='[libvirt-qemu]'
fi
# the release tarball the role installs from
v=$("$TOP/scripts/version")
if ! env -u MAKEFLAGS SOURCE_DATE_EPOCH=946684800 make -C "$TOP" -s dist DISTDIR="$T_TMP" \
	>"$T_TMP/dist.log" 2>&1; then
	t_fail "make dist" "$(tail -n 5 "$T_TMP/dist.log")"
	exit 1
fi
printf 'unix_sock_group = "libvirt"\n#auth_unix_rw = "polkit"\n' >"$T_TMP/libvirtd.conf"
mkdir -p "$T_TMP/sudoers.d"
cat >"$T_TMP/vars.yml" <<VARS
fvm_install_deps: false
fvm_release_tarball: $T_TMP/fvm-$v.tar.gz
fvm_unpack_dir: $T_TMP/src
fvm_build: $BUILD
fvm_destdir: $T_TMP/root
fvm_prefix: /usr/local
fvm_group: $group
fvm_users: $users
fvm_libvirtd_conf: $T_TMP/libvirtd.conf
fvm_libvirtd_restart: false
fvm_config: $T_TMP/fast-vm.conf
fvm_storage: dir
fvm_store_dir: $T_TMP/store
fvm_network: default
fvm_subnet: 122
fvm_vm_prefix: fvmt-an-
fvm_owner_only_delete: true
fvm_uri: test:///default
fvm_sudoers: $T_TMP/sudoers.d/fvm
VARS
cat >"$T_TMP/play.yml" <<PLAY
- hosts: localhost
  gather_facts: false
  roles:
    - fvm
PLAY
play() {
	LC_ALL=C.UTF-8 ANSIBLE_ROLES_PATH=$TOP/deploy/ansible/roles ANSIBLE_NOCOLOR=1 \
		ANSIBLE_LOCAL_TEMP=$T_TMP/ansible-tmp ANSIBLE_HOME=$T_TMP/ansible \
		ansible-playbook -c local -i localhost, -e "@$T_TMP/vars.yml" \
		"$T_TMP/play.yml"
}

t_run "playbook runs" 0 play
recap=$(printf '%s\n' "$T_OUT" | grep '^localhost')
t_match "first run changes things" "changed=[1-9]" "$recap"
t_match "first run fails nothing" "failed=0" "$recap"
[ -x "$T_TMP/root/usr/local/bin/fvm" ] && t_ok "fvm installed under DESTDIR" ||
	t_fail "fvm installed under DESTDIR" "no $T_TMP/root/usr/local/bin/fvm"
t_eq "the tarball's fvm installed" "fvm $v" "$("$T_TMP/root/usr/local/bin/fvm" --version 2>&1)"
[ -s "$T_TMP/src/VERSION" ] && t_ok "tarball unpacked into fvm_unpack_dir" ||
	t_fail "tarball unpacked into fvm_unpack_dir" "no $T_TMP/src/VERSION"
[ "$(readlink "$T_TMP/root/usr/local/bin/configure-fast-vm")" = fvm ] &&
	t_ok "configure-fast-vm link installed" || t_fail "configure-fast-vm link installed" "missing"
t_match "configure wrote the role's answers" "^FASTVM_OWNER_ONLY_DELETE=yes$" "$(cat "$T_TMP/fast-vm.conf" 2>/dev/null)"
t_match "config: the group" "^FASTVM_GROUP=$group$" "$(cat "$T_TMP/fast-vm.conf" 2>/dev/null)"
t_match "config: dir storage" "^FVM_STORE_DIR=$T_TMP/store$" "$(cat "$T_TMP/fast-vm.conf" 2>/dev/null)"
t_match "sudo rule for the group" "^%$group ALL=\(root\) NOPASSWD: $T_TMP/root/usr/local/bin/fvm helper" \
	"$(cat "$T_TMP/sudoers.d/fvm" 2>/dev/null)"
t_match "libvirt socket opened to the group" "^unix_sock_group = \"$group\"$" "$(cat "$T_TMP/libvirtd.conf")"
t_match "libvirt socket mode" '^unix_sock_rw_perms = "0770"$' "$(cat "$T_TMP/libvirtd.conf")"
t_match "checks shown" "ok +storage +directory $T_TMP/store" "$T_OUT"

# a second run leaves what the first made as it is (test:///default is
# a fresh libvirt per connection, so its network gets autostarted again)
sums=$(cat "$T_TMP/fast-vm.conf" "$T_TMP/libvirtd.conf" "$T_TMP/sudoers.d/fvm" | sha256sum)
t_run "second run" 0 play
t_match "second run fails nothing" "failed=0" "$(printf '%s\n' "$T_OUT" | grep '^localhost')"
t_eq "second run: config, libvirtd.conf and sudo rule untouched" "$sums" \
	"$(cat "$T_TMP/fast-vm.conf" "$T_TMP/libvirtd.conf" "$T_TMP/sudoers.d/fvm" | sha256sum)"
t_nomatch "second run: libvirtd.conf task unchanged" "^changed: .*unix_sock" "$T_OUT"
