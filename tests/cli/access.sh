#!/bin/sh
# tests/cli/access.sh: argument errors of ssh, scp, rsync, console and keydist, and the argv they give ssh, scp and rsync.
. "$(dirname "$0")/../lib.sh"

export FVM_CONFIG="$T_TMP/fast-vm.conf"
# a state directory with a blank in its name: rsync's -e must survive it
STATE="$T_TMP/st ate"
cat >"$FVM_CONFIG" <<CONF
SUBNET_NUMBER=126
FVM_URI=test:///default
FVM_STATE_DIR='$STATE'
CONF
export FVM_USER_DIR="$T_TMP/user"

# stand-ins that print their arguments one per line, in <>
mkdir -p "$T_TMP/fake"
cat >"$T_TMP/fake/show" <<'SHOW'
#!/bin/sh
basename "$0"
for a; do printf '<%s>\n' "$a"; done
exit ${FAKE_RC:-0}
SHOW
chmod +x "$T_TMP/fake/show"
for p in ssh scp rsync; do ln -s show "$T_TMP/fake/$p"; done
FAKE="$T_TMP/fake:$PATH"
KH="$STATE/known_hosts/42"

for a in ssh scp rsync console keydist; do
	t_run "$a without a VM is a usage error" 2 fvm $a
	t_match "$a: usage error message" "^fvm-$a: error: no VM number given" "$T_ERR"
done
t_run "ssh: VM out of range" 2 fvm ssh 300
t_run "ssh: bad timeout" 2 fvm ssh --timeout x 42
t_run "ssh: several VMs need a command" 2 fvm ssh 42-43
t_match "ssh: several VMs message" "several VMs need a COMMAND" "$T_ERR"
t_run "ssh: missing VM exits 3" 3 fvm ssh 42 -- true
t_match "ssh: missing VM message" "no VM with number 42" "$T_ERR"
t_run "scp: one path is a usage error" 2 fvm scp 42 vm:/x
t_run "scp: no vm: path is a usage error" 2 fvm scp 42 a b
t_match "scp: vm: hint" "vm:PATH" "$T_ERR"
t_run "rsync: no vm: path is a usage error" 2 fvm rsync 42 a b
t_run "console: two VMs is a usage error" 2 fvm console 42 43
t_run "console: missing VM exits 3" 3 fvm console 42
t_run "keydist: missing VM exits 3" 3 fvm keydist 42
t_run "start --ssh takes one VM" 2 fvm start --ssh 42 43

# argv given to ssh: options end at N, the command follows "--"
t_run "ssh argv" 0 env PATH="$FAKE" fvm ssh --no-wait 42 ls -l "a b"
t_eq "ssh argv is what fvm built" "ssh
<-oUserKnownHostsFile=$KH>
<-oStrictHostKeyChecking=accept-new>
<-oGlobalKnownHostsFile=/dev/null>
<-oHashKnownHosts=no>
<-oLogLevel=ERROR>
<-oServerAliveInterval=5>
<-oServerAliveCountMax=3>
<-oConnectTimeout=15>
<-l>
<root>
<192.168.126.42>
<-->
<ls>
<-l>
<a b>" "$T_OUT"
[ -d "$STATE/known_hosts" ] && t_ok "known_hosts directory made" ||
	t_fail "known_hosts directory made" "missing"
t_run "ssh exit status is ssh's" 7 env PATH="$FAKE" FAKE_RC=7 fvm ssh --no-wait 42 -- false
: >"$STATE/id_fvm"
t_run "ssh uses fvm's key and --user" 0 env PATH="$FAKE" fvm ssh --no-wait -u admin 42
t_match "ssh -i the fvm key" "^<$STATE/id_fvm>$" "$T_OUT"
t_match "ssh user" "^<admin>$" "$T_OUT"
rm "$STATE/id_fvm"
mkdir -p "$T_TMP/user"
: >"$T_TMP/user/id_fastvm"
t_run "ssh falls back to fast-vm's key" 0 env PATH="$FAKE" fvm ssh --no-wait 42
t_match "ssh -i fast-vm's key" "^<$T_TMP/user/id_fastvm>$" "$T_OUT"
rm "$T_TMP/user/id_fastvm"

# fast-vm's `ssh N SCRIPT`: the script gets the IP
printf '#!/bin/sh\necho "script got $*"\n' >"$T_TMP/script"
chmod +x "$T_TMP/script"
t_run "ssh N SCRIPT runs the script" 0 fvm ssh --no-wait 42 "$T_TMP/script"
t_eq "script argument is the IP" "script got 192.168.126.42" "$T_OUT"
t_run "ssh N -- SCRIPT is a remote command" 0 env PATH="$FAKE" fvm ssh --no-wait 42 -- "$T_TMP/script"
t_match "remote command" "^<$T_TMP/script>$" "$T_OUT"

# several VMs: each line prefixed, summary, failure counted
t_run "ssh on a range" 0 env PATH="$FAKE" fvm ssh --no-wait 42-43 -- uptime
t_match "[42] prefix" '^\[42\] <192\.168\.126\.42>$' "$T_OUT"
t_match "[43] prefix" '^\[43\] <192\.168\.126\.43>$' "$T_OUT"
t_match "batch mode for parallel runs" '^\[43\] <-oBatchMode=yes>$' "$T_OUT"
t_match "summary" "2 of 2 succeeded" "$T_ERR"
t_run "ssh on a range, failing" 1 env PATH="$FAKE" FAKE_RC=3 fvm ssh --no-wait 42,43 -- uptime
t_match "failure summary" "0 of 2 succeeded, failed: 42 43" "$T_ERR"
t_match "failure per VM" '^\[42\] fvm-ssh: error: ssh exited with status 3' "$T_ERR"

# scp: vm: rewritten and escaped for the remote shell, blanks kept in one argument
t_run "scp argv" 0 env PATH="$FAKE" fvm scp --no-wait 42 -p "my file" "vm:/tmp/a b" "x:y"
t_eq "scp argv is what fvm built" "scp
<-O>
<-r>
<-oUserKnownHostsFile=$KH>
<-oStrictHostKeyChecking=accept-new>
<-oGlobalKnownHostsFile=/dev/null>
<-oHashKnownHosts=no>
<-oLogLevel=ERROR>
<-oServerAliveInterval=5>
<-oServerAliveCountMax=3>
<-oConnectTimeout=15>
<-p>
<my file>
<root@192.168.126.42:/tmp/a\\ b>
<./x:y>" "$T_OUT"
t_run "scp --sftp: no -O, no escaping" 0 env PATH="$FAKE" fvm scp --no-wait --sftp 42 "vm:/tmp/a b" .
t_nomatch "scp --sftp has no -O" "<-O>" "$T_OUT"
t_match "scp --sftp path" "<root@192\.168\.126\.42:/tmp/a b>" "$T_OUT"
t_run "scp keeps globs" 0 env PATH="$FAKE" fvm scp --no-wait 42 'vm:/var/log/*.log' .
t_match "scp glob" '<root@192\.168\.126\.42:/var/log/\*\.log>' "$T_OUT"

# rsync: the ssh command is one -e argument rsync can split back
t_run "rsync argv" 0 env PATH="$FAKE" fvm rsync --no-wait 42 -a "vm:/srv/a b/" dst
t_eq "rsync argv is what fvm built" "rsync
<-e>
<ssh '-oUserKnownHostsFile=$KH' -oStrictHostKeyChecking=accept-new -oGlobalKnownHostsFile=/dev/null -oHashKnownHosts=no -oLogLevel=ERROR -oServerAliveInterval=5 -oServerAliveCountMax=3 -oConnectTimeout=15>
<-a>
<root@192.168.126.42:/srv/a b/>
<dst>" "$T_OUT"
