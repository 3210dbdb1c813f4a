# tests/scenarios/du.bash: fvm du's checks that hold on every store: a VM's own space is what was written into it, the image and pool rows, fast-vm's table.
#
# Sourced by tests/e2e/du.sh (dir store) and tests/lvm/du.sh (lvm store)
# once their store holds image $IMG with prefix $P and fvm's config is
# exported. The wrapper provides:
#   s_disk NAME        the path of VM NAME's disk
#   s_disk_size NAME   its virtual size in bytes, as the store's tools say
#   s_write NAME MIB   write MIB MiB of the guest's own data into it
#   s_pool_size        the store's size in bytes, as the system says
#   DU_HEADER          the first word of du's header ("Store", "Thinpool")
# and checks, after this file, what only its store can (lvs, stat), then
# calls du_deleted.

MIB=1048576
# du_json FIELD KIND [VM]: one field of the last fvm du --json's output
du_json() {
	python3 -c 'import json,sys
rows=json.load(open(sys.argv[1]))
kind=sys.argv[3]; vm=int(sys.argv[4]) if len(sys.argv)>4 else None
r=[r for r in rows if r["kind"]==kind and (vm is None or r["vm"]==vm)][0]
print(r[sys.argv[2]])' "$T_TMP/du.json" "$@"
}
# du_near NAME WANT GOT TOLERANCE
du_near() {
	if [ $(($2 > $3 ? $2 - $3 : $3 - $2)) -le "$4" ]; then
		t_ok "$1"
	else
		t_fail "$1" "wanted $2 (+-$4), got $3"
	fi
}

t_run "create $IMG 42 43" 0 fvm create $IMG 42 43 || exit 1
t_run "write 8 MiB into 42" 0 s_write "$P$IMG-42" 8 || exit 1

t_run "du --json 42 43" 0 fvm du --json 42 43
printf '%s\n' "$T_OUT" >"$T_TMP/du.json"
t_eq "JSON: two VMs, their image and the pool" "vm vm image pool" \
	"$(python3 -c 'import json,sys; print(" ".join(r["kind"] for r in json.load(open(sys.argv[1]))))' "$T_TMP/du.json")"
own=$(du_json unshared vm 42)
shared=$(du_json shared vm 42)
own43=$(du_json unshared vm 43)
# a qcow2 overlay adds its own tables to the data
du_near "own space of 42 is the 8 MiB written" $((8 * MIB)) "$own" $((1 * MIB))
[ "$own43" -lt $((1 * MIB)) ] && t_ok "43, untouched, has almost nothing of its own" ||
	t_fail "43, untouched, has almost nothing of its own" "$own43 bytes"
t_eq "allocated = shared + own" $((own + shared)) "$(du_json allocated vm 42)"
t_eq "size is the disk's" "$(s_disk_size "$P$IMG-42")" "$(du_json size vm 42)"
t_eq "image: VMs counted" 2 "$(du_json vms image)"
t_eq "image: its VMs' own space" $((own + own43)) "$(du_json vms_unshared image)"
t_eq "pool: the store's size" "$(s_pool_size)" "$(du_json size pool)"

t_run "du (fast-vm's table)" 0 fvm du
t_match "header line" "^=== $DU_HEADER space used: +[0-9.]+% of +[0-9.]+g$" "$T_OUT"
t_match "column titles" "^VM# Image name    User     Size\( %aloc \)   Shared   Unshared  \('\.'-Shared, '#'-Unshared\)$" "$T_OUT"
t_match "row of 42" "^42  $IMG +$(id -un) +[0-9.]+g\( *[0-9.]+%\) +[0-9]+\.[0-9]{3}g +0\.00[89]g  \[\.+#+ *\]$" "$T_OUT"
t_match "row of 43" "^43  $IMG +$(id -un) +[0-9.]+g\( *[0-9.]+%\) +[0-9]+\.[0-9]{3}g +0\.00[01]g  \[" "$T_OUT"
t_match "image line" "^=== Image $IMG: .*, 2 VMs with 0\.00[89]g of their own$" "$T_OUT"
t_run "du of a missing VM exits 3" 3 fvm du 44
t_match "du of a missing VM: says which" "no VM 44" "$T_ERR"
t_run "du all" 0 fvm du all
t_match "du all: both VMs" "^43  $IMG " "$T_OUT"

# du_deleted: after the wrapper's own checks, the VMs go and du shows no
# row for them
du_deleted() {
	t_run "delete 42 43" 0 fvm delete -q 42 43
	t_run "du after the delete" 0 fvm du
	t_nomatch "du after the delete: no VM rows" "^4[23]  " "$T_OUT"
}
