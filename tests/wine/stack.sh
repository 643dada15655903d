#!/usr/bin/env bash
# The Wine suite: the real wurepair.exe drives real Windows PowerShell 7
# (the win-x64 pwsh.exe, ../shared/winpwsh/build) under Wine, against Wine's
# Service Control Manager, registry and file system. See tests/wine/README.md
# ("The Wine suite") for its cases, what it proves and the Wine differences.
#
# Usage (from the repo root):  bash tests/wine/stack.sh
#
# Needs: go, wine (Wine 8, 64-bit), wineserver, x86_64-w64-mingw32-gcc,
# timeout, node, dotnet + pwsh 7.6.9 as a dotnet global tool (to build the
# Windows pwsh once into ~/.cache/winpwsh-7.6.9; WUREPAIR_WINPWSH=DIR uses
# a pwsh.exe folder built before).
#
# Output: "ok - <name>" / "not ok - <name>" per check ("#" detail lines
# after a failure), then "N passed, N failed". Exit 0 only when all passed.
# On a failure every run's stdout, stderr and the state directory (journals,
# log) are kept in an artifacts folder whose path is printed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cd "$repo_root"

# Limit for one wurepair run (s). pwsh.exe starts in 5-15 s under Wine.
RUN_TIMEOUT=240
# The manifest's timeout of Get-WurServiceState (60 s) + 5 s: diagnose with
# a hung WMI must finish inside it (issue 16).
WMI_HANG_LIMIT=65

passed=0
failed=0
suite_start=$SECONDS
ok() { passed=$((passed + 1)); printf 'ok - %s (%ds)\n' "$1" $((SECONDS - case_start)); }
not_ok() {
	local name=$1
	shift
	failed=$((failed + 1))
	printf 'not ok - %s (%ds)\n' "$name" $((SECONDS - case_start))
	local line
	for line in "$@"; do printf '#   %s\n' "$line"; done
}
diag_file() {
	local label=$1 file=$2
	if [[ -s $file ]]; then
		printf '#   %s:\n' "$label"
		grep -v 'Read access denied for device' "$file" | head -c 6000 | awk '{ print "#     " $0 }'
	else
		printf '#   %s: (empty)\n' "$label"
	fi
}
case_start=$SECONDS
summarized=""
summary_and_exit() {
	summarized=1
	printf '# Wine suite took %ds\n' $((SECONDS - suite_start))
	printf '%d passed, %d failed\n' "$passed" "$failed"
	if ((failed > 0)); then exit 1; fi
	exit 0
}

# --- prerequisites -----------------------------------------------------------
missing=()
for tool in go wine wineboot wineserver x86_64-w64-mingw32-gcc timeout mktemp node sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
	not_ok "prerequisites present" "missing: ${missing[*]}" \
		"install: apt-get install -y wine wine64 gcc-mingw-w64-x86-64-win32 nodejs (and Go, dotnet, pwsh 7.6.9)"
	summary_and_exit
fi
ok "prerequisites present"

# --- work dir, Wine environment, cleanup -------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/wurepair-wine-stack.XXXXXX")
export WINEPREFIX="$work/prefix"
export WINEARCH=win64
export WINEDEBUG=-all
export DISPLAY=
unset WAYLAND_DISPLAY || true
# .NET under Wine 8: without these pwsh.exe dies now and then with "Internal
# CLR error 0x80131506" in a finalizer (W^X double-mapped code pages and the
# background GC's write watch are where Wine differs).
export DOTNET_GCgen0size=0x4000000 DOTNET_EnableWriteXorExecute=0 DOTNET_gcConcurrent=0
# Windows ACLs are not kept on this file system: Wine derives a file's DACL
# from its Unix mode. Files created owner-only read as SYSTEM/owner-only, as
# wurepair's state directory on Windows does (issue 16).
umask 077
mkdir -p "$work/home" "$work/runs"
wenv=(env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME HOME="$work/home")
server_pid=""
artifacts=""

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
	local rc=$?
	if [[ -z $summarized ]]; then
		# The script itself stopped (set -e): never end without the summary.
		failed=$((failed + 1))
		printf 'not ok - stack.sh ended early (exit %d) after the case above\n' "$rc"
		printf '%d passed, %d failed\n' "$passed" "$failed"
		((rc != 0)) || rc=1
	fi
	if ((failed > 0)) && [[ -d $work ]]; then
		artifacts="${WUREPAIR_WINE_ARTIFACTS:-${TMPDIR:-/tmp}/wurepair-wine-artifacts.$$}"
		mkdir -p "$artifacts"
		cp -r "$work/runs" "$artifacts/" 2>/dev/null || true
		cp -r "$WINEPREFIX/drive_c/ProgramData/wurepair" "$artifacts/state" 2>/dev/null || true
		printf '# artifacts (each run'"'"'s stdout/stderr, journals, log): %s\n' "$artifacts"
	fi
	if [[ -n $server_pid ]]; then
		"${wenv[@]}" wineserver -k >/dev/null 2>&1 || true
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# winpath FILE: the Windows path of a Linux file (Wine maps Z: to /).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

# --- builds ------------------------------------------------------------------
case_start=$SECONDS
log="$work/build.log"
if GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$work/wurepair.exe" ./cmd/wurepair >"$log" 2>&1 &&
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$work/svcstub.exe" ./tests/wine/svcstub >>"$log" 2>&1 &&
	x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" "$script_dir/bcryptprimitives.c" -ladvapi32 >>"$log" 2>&1 &&
	x86_64-w64-mingw32-gcc -shared -O2 -o "$work/mi.dll" "$script_dir/mihang.c" >>"$log" 2>&1; then
	ok "build wurepair.exe, svcstub.exe, the bcryptprimitives and hanging mi.dll shims"
else
	not_ok "build wurepair.exe, svcstub.exe, the bcryptprimitives and hanging mi.dll shims"
	diag_file "build output" "$log"
	summary_and_exit
fi

case_start=$SECONDS
winpwsh=${WUREPAIR_WINPWSH:-}
if [[ -z $winpwsh ]]; then
	winpwsh=$(bash "$repo_root/../shared/winpwsh/build" 2>"$log" | tail -1) || winpwsh=""
fi
if [[ -n $winpwsh && -f $winpwsh/pwsh.exe ]]; then
	ok "Windows PowerShell 7 (win-x64 pwsh.exe) at $winpwsh"
else
	not_ok "Windows PowerShell 7 (win-x64 pwsh.exe) built" "../shared/winpwsh/build failed"
	diag_file "build output" "$log"
	summary_and_exit
fi

# --- the prefix ---------------------------------------------------------------
case_start=$SECONDS
mkdir -p "$WINEPREFIX"
# wineboot without mono/gecko (their installers need a display or the
# network); mscoree stays enabled afterwards: Wine's loader needs it for the
# IL-only assemblies of pwsh.exe ("mscoree.dll not found").
WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d" timeout 240 "${wenv[@]}" wineboot -i </dev/null >"$log" 2>&1 || true
timeout 60 "${wenv[@]}" wineserver -w >>"$log" 2>&1 || true
export WINEDLLOVERRIDES="mshtml=;winemenubuilder.exe=d"
# One wineserver for the whole suite: services started with sc.exe die with
# it. Foreground (-f) so that its pid is ours to end.
"${wenv[@]}" wineserver -f -p </dev/null >"$work/wineserver.log" 2>&1 &
server_pid=$!
sys32="$WINEPREFIX/drive_c/windows/system32"
w() { timeout 60 "${wenv[@]}" wine "$@" </dev/null >>"$log" 2>&1; }
if [[ -d $sys32 ]] && cp "$work/bcryptprimitives.dll" "$sys32/" && w winecfg -v win10; then
	ok "wine prefix: wineboot, win10, bcryptprimitives shim, one wineserver"
else
	not_ok "wine prefix initialised" "WINEPREFIX=$WINEPREFIX"
	diag_file "setup output" "$log"
	summary_and_exit
fi

# The Windows PowerShell, where an installation puts it.
pwsh_dir="$WINEPREFIX/drive_c/Program Files/PowerShell/7"
mkdir -p "$(dirname "$pwsh_dir")"
cp -r "$winpwsh" "$pwsh_dir"
PWSH='C:\Program Files\PowerShell\7\pwsh.exe'

# --- services Wine lacks, as real services of its SCM ------------------------
# Real names and dependencies (sc qc on Windows 10/11). CryptSvc keeps a file
# of catroot2 open while it runs, as the real one keeps its database open.
case_start=$SECONDS
cp "$work/svcstub.exe" "$WINEPREFIX/drive_c/windows/svcstub.exe"
stub='C:\windows\svcstub.exe'
svc_ok=1
create() { # NAME START DEPENDS [HOLD]
	local bin="$stub -name $1"
	[[ -n ${4:-} ]] && bin="$bin -hold $4"
	w sc create "$1" binPath= "$bin" start= "$2" depend= "$3" || svc_ok=""
}
create CryptSvc auto RpcSs 'C:\windows\system32\catroot2\edb.log'
create UsoSvc auto RpcSs
create DoSvc auto RpcSs
create AppIDSvc demand RpcSs/CryptSvc
create TrustedInstaller demand ""
for s in CryptSvc UsoSvc DoSvc wuauserv BITS; do w sc start "$s" || true; done
# scstate NAME: "<state> <Start>" (SCM state from sc query, start type from
# the registry's Start value).
scstate() {
	local st start
	st=$(timeout 30 "${wenv[@]}" wine sc query "$1" </dev/null 2>/dev/null | tr -d '\r' | awk '/STATE/ { print $4; exit }') || true
	start=$(timeout 30 "${wenv[@]}" wine reg query "HKLM\\SYSTEM\\CurrentControlSet\\Services\\$1" /v Start </dev/null 2>/dev/null | tr -d '\r' | awk '/Start/ { print $3; exit }') || true
	printf '%s %s' "${st:-none}" "${start:-none}"
}
services=(CryptSvc UsoSvc DoSvc AppIDSvc TrustedInstaller wuauserv BITS msiserver)
snapshot_services() { local s; for s in "${services[@]}"; do printf '%s %s\n' "$s" "$(scstate "$s")"; done; }
snapshot_services >"$work/services.before"
if [[ -n $svc_ok ]] && grep -q '^CryptSvc RUNNING 0x2' "$work/services.before" && grep -q '^wuauserv RUNNING' "$work/services.before" &&
	grep -q '^BITS RUNNING' "$work/services.before" && [[ -f $sys32/catroot2/edb.log ]]; then
	ok "svcstub services created with sc.exe (CryptSvc, UsoSvc, DoSvc, AppIDSvc, TrustedInstaller) and running with wuauserv, BITS"
else
	not_ok "svcstub services created with sc.exe and running"
	diag_file "services" "$work/services.before"
	diag_file "sc output" "$log"
fi

# The folders a repair touches, with content to prove they come back.
sd="$WINEPREFIX/drive_c/windows/SoftwareDistribution"
mkdir -p "$sd/DataStore/Logs" "$sd/Download/0a1b2c"
printf 'edb' >"$sd/DataStore/DataStore.edb"
printf 'log' >"$sd/DataStore/Logs/edb.chk"
printf 'cab' >"$sd/Download/0a1b2c/windows10.0-kb5034441.cab"
# tree_digest: every file and folder under the watched folders, with content.
tree_digest() {
	(cd "$WINEPREFIX/drive_c/windows" && find SoftwareDistribution system32/catroot2 -print0 2>/dev/null | sort -z |
		xargs -0 -I{} sh -c 'if [ -f "{}" ]; then printf "%s %s\n" "{}" "$(sha256sum <"{}" | cut -c1-16)"; else printf "%s/\n" "{}"; fi') || true
}

# --- running wurepair.exe -------------------------------------------------------
out="" err="" rc=0 n=0
# run ARGS...: wurepair.exe ARGS --powershell <pwsh.exe>; sets rc, out, err.
# (Windows PowerShell 5.1 is the product's default; the suite always names
# the pwsh.exe it tests.) runq: the same for commands that start no
# PowerShell (runs list/show).
run() { run_as "$@" --powershell "$PWSH"; }
runq() { run_as "$@"; }
run_as() {
	n=$((n + 1))
	out="$work/runs/$n-$1.stdout" err="$work/runs/$n-$1.stderr"
	rc=0
	timeout -k 5 "$RUN_TIMEOUT" "${wenv[@]}" wine "$work/wurepair.exe" "$@" </dev/null >"$out" 2>"$err" || rc=$?
	sed -i 's/\r$//' "$out" "$err"
}
run_diag() {
	printf '#   exit code: %d\n' "$rc"
	diag_file "stdout" "$out"
	diag_file "stderr" "$err"
}
# run_id: the run id a repair printed ("run <id> (journal: ...").
run_id() { sed -n 's/^run \([0-9A-Za-z-]*\) (journal.*/\1/p' "$out" | head -1; }

# run_bg NAME ARGS...: run ARGS (with --powershell) in the background;
# wait_bg NAME: wait for it and set rc, out, err and secs.
run_bg() {
	local name=$1
	shift
	(
		start=$SECONDS
		rc=0
		timeout -k 5 "$RUN_TIMEOUT" "${wenv[@]}" wine "$work/wurepair.exe" "$@" --powershell "$PWSH" </dev/null \
			>"$work/runs/$name.stdout" 2>"$work/runs/$name.stderr" || rc=$?
		sed -i 's/\r$//' "$work/runs/$name.stdout" "$work/runs/$name.stderr"
		echo "$rc $((SECONDS - start))" >"$work/runs/$name.rc"
	) &
}
secs=0
wait_bg() {
	while [[ ! -s $work/runs/$1.rc ]]; do sleep 1; done
	read -r rc secs <"$work/runs/$1.rc"
	out="$work/runs/$1.stdout" err="$work/runs/$1.stderr"
}

# The bootstrap reads InstallationType at startup; Wine's registry has none
# (nor need a damaged Windows): the session starts all the same.
case_start=$SECONDS
run selftest
if ((rc == 0)) && grep -qF 'selftest: ok' "$out" && grep -qF 'PowerShell 7.6.9 Core, FullLanguage' "$out" &&
	grep -qF 'round trip: 10/10 strings byte-exact' "$out"; then
	ok "selftest without InstallationType in the registry: real pwsh.exe under Wine, 10/10 byte-exact, exit 0"
else
	not_ok "selftest without InstallationType in the registry: real pwsh.exe under Wine, 10/10 byte-exact, exit 0"
	run_diag
fi
w reg add 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion' /v InstallationType /t REG_SZ /d Client /f || true

# The read-only commands run side by side, with a WMI that never answers:
# the hanging mi.dll (mihang.c) makes Get-CimInstance block in the MI client
# API as a hung winmgmt does. Before issue 16 the service probe hung until
# Go killed PowerShell (60 s + 30 s) and diagnose aborted.
cp "$work/mi.dll" "$sys32/mi.dll"
case_start=$SECONDS
run_bg diagnose diagnose --verbose
run_bg json diagnose -o json
run_bg detect detect

# Wine has no Event Log API nor DISM module, and its update agent's searcher
# fails: those probes are reported (probe-failed, agent-broken) and the
# diagnosis goes on. Decisions depend on the failed probes, so the outcome is
# "cannot tell" (issue 18): exit 10, never healthy, and every repair below is
# refused without --force (the suite passes it, with an explicit plan).
wait_bg diagnose
if ((rc == 10)) && grep -qF 'finding(s):' "$out" && grep -qF '(agent-broken)' "$out" &&
	grep -qF 'a probe failed: Get-WurUpdateErrors (probe-failed)' "$out" && grep -qF 'EventLogException' "$out" &&
	grep -qF 'a probe failed: Get-WurComponentHealth (probe-failed)' "$out" && ! grep -qF '(service-missing)' "$out"; then
	ok "diagnose: every probe reported; EventLogException and the missing DISM module are probe-failed; cannot tell, exit 10"
else
	not_ok "diagnose: every probe reported; EventLogException and the missing DISM module are probe-failed; cannot tell, exit 10"
	run_diag
fi
# The service probe's own duration (the debug line of its call): at least
# the 15 s bound (the hang really happened), under the probe's timeout + 5 s
# (it was killed at 60 s + 30 s before). The whole diagnose adds the start
# of pwsh.exe and the other probes, which on a loaded machine take longer.
probe_ms=$(sed -n 's/.*durationMs=\([0-9]*\) result=ok script=Get-WurServiceState .*/\1/p' "$err" | head -1)
if ((rc == 10)) && [[ -n $probe_ms ]] && ((probe_ms >= 14000 && probe_ms < WMI_HANG_LIMIT * 1000)) &&
	grep -qF '(wmi-unavailable)' "$out" && grep -qF 'HRESULT 0x800705B4' "$out"; then
	ok "diagnose with a hung WMI: the service probe returned after ${probe_ms} ms (< ${WMI_HANG_LIMIT} s), diagnose done in ${secs}s with the wmi-unavailable finding (0x800705B4)"
else
	not_ok "diagnose with a hung WMI: the service probe returns within ${WMI_HANG_LIMIT} s with the wmi-unavailable finding (0x800705B4)" \
		"service probe: ${probe_ms:-no ok call} ms; diagnose: ${secs}s"
	run_diag
fi

wait_bg json
if ((rc == 10)) && node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (d.outcome !== "unknown") { console.error("outcome " + d.outcome + ", want unknown"); process.exit(1); }
const s = JSON.stringify(d);
for (const want of ["agent-broken", "probe-failed", "wmi-unavailable", "wuauserv", "CryptSvc"]) {
  if (!s.includes(want)) { console.error("missing " + want); process.exit(1); }
}' "$out" 2>>"$err"; then
	ok "diagnose -o json: one JSON document with the findings, the services and outcome unknown; exit 10"
else
	not_ok "diagnose -o json: one JSON document with the findings, the services and outcome unknown; exit 10"
	run_diag
fi

wait_bg detect
if ((rc == 1)) && (($(grep -c . "$out") == 1)) && grep -qF 'cannot tell: probes failed' "$out"; then
	ok "detect: one line, cannot tell (probes failed), exit 1"
else
	not_ok "detect: one line, cannot tell (probes failed), exit 1"
	run_diag
fi
rm -f "$sys32/mi.dll"

# --- repair datastore, then rollback ---------------------------------------------
case_start=$SECONDS
tree_digest >"$work/tree.before"
run repair datastore --yes --force
id=$(run_id)
snapshot_services >"$work/services.after-repair"
if ((rc == 0)) && [[ -n $id ]] && [[ -f $sd/DataStore.wurepair-$id/DataStore.edb ]] &&
	[[ -f $sd/Download.wurepair-$id/0a1b2c/windows10.0-kb5034441.cab ]] && [[ -d $sd/DataStore && -d $sd/Download ]] &&
	[[ -z $(ls -A "$sd/DataStore") ]] && cmp -s "$work/services.before" "$work/services.after-repair"; then
	ok "repair datastore --yes: folders renamed aside and recreated empty, wuauserv/BITS stopped and running again, start types kept"
else
	not_ok "repair datastore --yes: folders renamed aside and recreated empty, services as before" "run id: ${id:-none}"
	run_diag
	diff "$work/services.before" "$work/services.after-repair" | awk '{ print "#   services: " $0 }' || true
fi
repair_id=$id

case_start=$SECONDS
runq runs list
if ((rc == 0)) && grep -qE "^${repair_id:-none} +repair +datastore +success" "$out"; then
	ok "runs list: the repair, success"
else
	not_ok "runs list: the repair, success"
	run_diag
fi

case_start=$SECONDS
runq runs show "${repair_id:-none}"
if ((rc == 0)) && grep -qF 'DataStore' "$out" && grep -qF 'wuauserv' "$out"; then
	ok "runs show: its changes (folders, services)"
else
	not_ok "runs show: its changes (folders, services)"
	run_diag
fi

# Wine derives a file's DACL from its Unix mode: a journal key readable by
# others reads as "Everyone: read", which wurepair refuses (exit 5) and says
# what an administrator does about it. (The suite's umask 077 is what keeps
# the prefix honest; the product check never relaxes.)
case_start=$SECONDS
key="$WINEPREFIX/drive_c/ProgramData/wurepair/journal.key"
chmod 0644 "$key" 2>/dev/null || true
runq runs list
chmod 0600 "$key" 2>/dev/null || true
if ((rc == 5)) && grep -qF 'S-1-1-0 may read it' "$err" && grep -qF 'icacls' "$err" && grep -qF 'umask 077' "$err"; then
	ok "a journal key Everyone may read is refused (exit 5) with what to do (icacls; owner-only files where ACLs are not kept)"
else
	not_ok "a journal key Everyone may read is refused (exit 5) with what to do"
	run_diag
fi

case_start=$SECONDS
run rollback "${repair_id:-none}" --yes
tree_digest >"$work/tree.after-rollback"
snapshot_services >"$work/services.after-rollback"
if ((rc == 0)) && cmp -s "$work/tree.before" "$work/tree.after-rollback" && cmp -s "$work/services.before" "$work/services.after-rollback"; then
	ok "rollback after the repair: every folder, service state and start type as before"
else
	not_ok "rollback after the repair: every folder, service state and start type as before"
	run_diag
	diff "$work/tree.before" "$work/tree.after-rollback" | awk '{ print "#   tree: " $0 }' || true
	diff "$work/services.before" "$work/services.after-rollback" | awk '{ print "#   services: " $0 }' || true
fi

# --- reset --------------------------------------------------------------------
case_start=$SECONDS
run repair reset --dry-run --force
tree_digest >"$work/tree.after-dry"
if ((rc == 0)) && grep -qF 'plan: reset' "$out" && grep -qF 'dry run: nothing was changed' "$out" &&
	cmp -s "$work/tree.before" "$work/tree.after-dry"; then
	ok "repair reset --dry-run: the plan, nothing changed"
else
	not_ok "repair reset --dry-run: the plan, nothing changed"
	run_diag
fi

# --- a repair killed mid-plan, then rollback ------------------------------------
# wurepair.exe is ended with TerminateProcess (Wine's taskkill /F, by its
# Windows pid) right after its first folder rename: no deferred cleanup, no
# rollback of its own. Its job object takes pwsh.exe with it.
case_start=$SECONDS
n=$((n + 1))
out="$work/runs/$n-killed.stdout" err="$work/runs/$n-killed.stderr"
backups_before=$({ compgen -G "$sd/DataStore.wurepair-*" || true; } | wc -l)
timeout -k 5 "$RUN_TIMEOUT" "${wenv[@]}" wine "$work/wurepair.exe" repair datastore --yes --force --powershell "$PWSH" </dev/null >"$out" 2>"$err" &
killed_pid=$!
renamed=""
deadline=$((SECONDS + RUN_TIMEOUT))
while ((SECONDS < deadline)) && kill -0 "$killed_pid" 2>/dev/null; do
	if (($({ compgen -G "$sd/DataStore.wurepair-*" || true; } | wc -l) > backups_before)); then
		renamed=1
		break
	fi
	sleep 0.2
done
winpid=$(timeout 30 "${wenv[@]}" wine winedbg --command "info proc" </dev/null 2>/dev/null | tr -d '\r' |
	awk "/'wurepair.exe'/ { print \$1; exit }") || true
kill_rc=1
if [[ -n $renamed && -n $winpid ]]; then
	kill_rc=0
	timeout 30 "${wenv[@]}" wine taskkill /F /PID $((16#$winpid)) </dev/null >>"$log" 2>&1 || kill_rc=$?
fi
wait "$killed_pid" 2>/dev/null || true
sed -i 's/\r$//' "$out" "$err"
id=$(run_id)
left=""
[[ -n $id ]] && ! grep -qF "repaired (run $id)" "$out" && compgen -G "$sd/DataStore.wurepair-$id" >/dev/null && left=1
if [[ -n $left ]] && ((kill_rc == 0)); then
	ok "repair datastore killed with TerminateProcess (taskkill /F) after its first rename: run $id left unfinished"
else
	not_ok "repair datastore killed with TerminateProcess (taskkill /F) after its first rename" \
		"renamed: ${renamed:-no}, windows pid: ${winpid:-none}, taskkill exit: $kill_rc, run: ${id:-none}"
	run_diag
fi

case_start=$SECONDS
run rollback "${id:-none}" --yes
tree_digest >"$work/tree.after-kill-rollback"
snapshot_services >"$work/services.after-kill-rollback"
if ((rc == 0)) && cmp -s "$work/tree.before" "$work/tree.after-kill-rollback" &&
	cmp -s "$work/services.before" "$work/services.after-kill-rollback"; then
	ok "rollback of the killed run: every folder, service state and start type as before"
else
	not_ok "rollback of the killed run: every folder, service state and start type as before"
	run_diag
	diff "$work/tree.before" "$work/tree.after-kill-rollback" | awk '{ print "#   tree: " $0 }' || true
	diff "$work/services.before" "$work/services.after-kill-rollback" | awk '{ print "#   services: " $0 }' || true
fi

# --- reset --yes ----------------------------------------------------------------
# Either it completes (SoftwareDistribution and catroot2, held open by
# CryptSvc, renamed aside; services as before) or it fails only at its last
# step, "verify the update agent" (Wine's wuapi: CreateUpdateSearcher
# 0x80131512), after the real regsvr32 registered every DLL (journaled
# "regsvr32 exit code N"), and every change is rolled back (files, service
# states and start types as before). A failure at the DLL step (Start-Process
# turned into "Invalid name" by the native-stdin guard, fixed in issue 20
# item 9) or anywhere else fails the case. --force: Wine has neither the DISM
# module nor a readable event log, so the probes fail and a repair without
# it is refused "cannot tell" (exit 10, issue 18).
case_start=$SECONDS
run repair reset --yes --force
id=$(run_id)
tree_digest >"$work/tree.after-reset"
snapshot_services >"$work/services.after-reset"
state_dir="$WINEPREFIX/drive_c/ProgramData/wurepair"
if ((rc == 0 || rc == 194)) && [[ -n $id ]] && [[ -f $sd.wurepair-$id/DataStore/DataStore.edb ]] &&
	[[ -f $sys32/catroot2.wurepair-$id/edb.log ]] && cmp -s "$work/services.before" "$work/services.after-reset"; then
	ok "repair reset --yes: SoftwareDistribution and catroot2 (held open by CryptSvc) renamed aside, services as before (exit $rc)"
elif ((rc == 1)) && [[ -n $id ]] && grep -qF 'every change was rolled back' "$out" &&
	grep -qE '^\[[0-9]+/[0-9]+\] register [0-9]+ DLLs: ok' "$out" &&
	grep -qE 'FAILED: step "(start services again|check start types are unchanged|verify the update agent)" failed' "$out" &&
	grep -rqF '"detail":"regsvr32 exit code' "$state_dir" &&
	cmp -s "$work/tree.before" "$work/tree.after-reset" && cmp -s "$work/services.before" "$work/services.after-reset"; then
	# Under Wine the last step fails (Wine's wuapi: 0x80131512); now and
	# then Wine's SCM also refuses to start a stub service again (Win32
	# error 1359). Either way: past the DLL step, and all rolled back.
	ok "repair reset --yes: every DLL registered by the real regsvr32, a later step failed under Wine, every file, service state and start type rolled back (exit 1)"
	{ grep -m1 '^FAILED:' "$out" || true; } | cut -c1-300 | awk '{ print "#   note: " $0 }'
else
	not_ok "repair reset --yes: done, or past the DLL step and rolled back completely" "run: ${id:-none}"
	run_diag
	diff "$work/tree.before" "$work/tree.after-reset" | awk '{ print "#   tree: " $0 }' || true
	diff "$work/services.before" "$work/services.after-reset" | awk '{ print "#   services: " $0 }' || true
fi

summary_and_exit
