#!/bin/bash
# tests/e2e/import-boot.sh: the test guest imported by `fvm import` (xz through stdin, then an fvm package) boots and answers ssh.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec), on the dir
# storage, as tests/e2e/lifecycle.sh does.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

NET=fvmtest-imp
SUBNET=131
P=fvmimp-
IMG=imported

e2e_setup $P $NET $SUBNET import
cp "$GUEST_DIR/id_ed25519" "$T_TMP/key"
chmod 0600 "$T_TMP/key"

# a fast-vm style compressed disk through stdin, then an fvm package of it
t_run "import the guest from xz on stdin" 0 sh -c \
	"xz -T0 -c '$GUEST_DIR/fvm-test-boot.raw' | fvm import -q $IMG-raw - '$GUEST_DIR/config-fvm-test-boot.xml'"
t_run "export it as a package" 0 sh -c "fvm export -q $IMG-raw - >'$T_TMP/pkg.tar.zst'"
t_run "import the package" 0 fvm import -q $IMG "$T_TMP/pkg.tar.zst"
t_run "the image is the guest bit for bit" 0 cmp "$GUEST_DIR/fvm-test-boot.raw" "$store/images/$P$IMG.raw"
t_run "image-verify" 0 fvm image-verify -q $IMG

t_run "create $IMG 42" 0 fvm create -q $IMG 42
t_run "start 42" 0 fvm start 42
t_run "wait for ssh" 0 fvm wait --state ssh --timeout 240 42
t_run "ssh into 42" 0 ssh -q -i "$T_TMP/key" -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@192.168.$SUBNET.42 hostname
t_eq "the imported guest answers" "fvm-test" "$T_OUT"
t_run "image-rm refuses while VM 42 has its disk" 4 fvm image-rm $IMG
t_run "delete 42" 0 fvm delete -q 42
t_run "image-rm" 0 fvm image-rm -q $IMG
t_run "image-rm the first" 0 fvm image-rm -q $IMG-raw
t_eq "store empty" "" "$(ls "$store/images" "$store/vms" 2>/dev/null | grep -v ':$' | grep .)"
