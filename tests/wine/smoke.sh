#!/usr/bin/env bash
# Smoke test: cross-build wurepair for Windows and run it under Wine.
#
# Usage (from the repo root):  bash tests/wine/smoke.sh
#
# Needs: go, wine (Wine 8, 64-bit), wineboot, wineserver,
#        x86_64-w64-mingw32-gcc, timeout (coreutils).
# Debian/Ubuntu: apt-get install -y wine wine64 gcc-mingw-w64-x86-64-win32
#
# Output: one "ok - <name>" / "not ok - <name>" line per check (details
# follow a failure as "#" lines), then a final "N passed, N failed" line.
# Exit status: 0 if every check passed, 1 otherwise.
#
# Everything lives in a private temp dir (Go output, WINEPREFIX, shim DLL)
# that is removed on exit, together with the prefix's wineserver.
# See tests/wine/README.md for why the bcryptprimitives.dll shim exists.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cd "$repo_root"

# Per-run time limit for each wurepair invocation under Wine (seconds).
RUN_TIMEOUT=60
# The hang check waits for wurepair's own startup timeout (--startup-timeout
# 20s below) to kill the fake host; this limit only catches wurepair hanging
# itself.
HANG_TIMEOUT=60

passed=0
failed=0

ok() { passed=$((passed + 1)); printf 'ok - %s\n' "$1"; }
not_ok() {
	local name=$1
	shift
	failed=$((failed + 1))
	printf 'not ok - %s\n' "$name"
	local line
	for line in "$@"; do
		printf '#   %s\n' "$line"
	done
}
# Print a file's content as "#" diagnostic lines (bounded).
diag_file() {
	local label=$1 file=$2
	if [[ -s $file ]]; then
		printf '#   %s:\n' "$label"
		head -c 4000 "$file" | tr -d '\r' | awk '{ print "#     " $0 }'
	else
		printf '#   %s: (empty)\n' "$label"
	fi
}
summary_and_exit() {
	printf '%d passed, %d failed\n' "$passed" "$failed"
	if ((failed > 0)); then exit 1; fi
	exit 0
}

# --- prerequisites -----------------------------------------------------------
missing=()
for tool in go wine wineboot wineserver x86_64-w64-mingw32-gcc timeout mktemp; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
	echo "smoke.sh: missing required tools: ${missing[*]}" >&2
	echo "smoke.sh: install with: apt-get update && apt-get install -y wine wine64 gcc-mingw-w64-x86-64-win32 (and Go >= 1.24)" >&2
	not_ok "prerequisites present" "missing: ${missing[*]}"
	summary_and_exit
fi
ok "prerequisites present"

# --- temp dirs and cleanup ---------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/wurepair-wine-smoke.XXXXXX")
export WINEPREFIX="$work/prefix"
export WINEARCH=win64
export WINEDEBUG=-all
# No mono/gecko install prompts (they would need a display or the network),
# no menu entries / file associations written by winemenubuilder.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
export DISPLAY=
unset WAYLAND_DISPLAY || true

# Wine tools run with a private HOME and no XDG dirs, so nothing of Wine's
# lands in the user's home. (Only Wine gets this: go keeps the real HOME
# for its build and module caches.)
mkdir -p "$work/home"
wenv=(env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME HOME="$work/home")

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
	local rc=$?
	# Kill this prefix's wineserver (and every Windows process in it).
	if [[ -d $WINEPREFIX ]]; then
		"${wenv[@]}" wineserver -k >/dev/null 2>&1 || true
		timeout 20 "${wenv[@]}" wineserver -w >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. cross-build ----------------------------------------------------------
exe="$work/wurepair.exe"
build_log="$work/build.log"

if GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$exe" ./cmd/wurepair >"$build_log" 2>&1; then
	ok "build windows/amd64"
else
	not_ok "build windows/amd64"
	diag_file "go build output" "$build_log"
	exe=""
fi
# The Windows build of the fake host, and the test-only spawner that gives
# it a parent and a sibling (see tests/wine/spawner).
fakehost="$work/fakehost.exe"
spawner="$work/spawner.exe"
if GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$fakehost" ./tests/fakehost/cmd/fakehost >"$build_log" 2>&1 &&
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$spawner" ./tests/wine/spawner >>"$build_log" 2>&1; then
	ok "build fakehost.exe and spawner.exe (windows/amd64)"
else
	not_ok "build fakehost.exe and spawner.exe (windows/amd64)"
	diag_file "go build output" "$build_log"
	fakehost=""
fi
for arch in 386 arm64; do
	if GOOS=windows GOARCH=$arch CGO_ENABLED=0 go build -o "$work/discard-$arch.exe" ./cmd/wurepair >"$build_log" 2>&1; then
		ok "build windows/$arch"
	else
		not_ok "build windows/$arch"
		diag_file "go build output" "$build_log"
	fi
	rm -f "$work/discard-$arch.exe"
done

# --- 2. Wine prefix + shim ---------------------------------------------------
wine_ready=""
setup_log="$work/wine-setup.log"
mkdir -p "$WINEPREFIX"
if timeout 180 "${wenv[@]}" wineboot -i </dev/null >"$setup_log" 2>&1 &&
	timeout 60 "${wenv[@]}" wineserver -w >>"$setup_log" 2>&1 &&
	[[ -d $WINEPREFIX/drive_c/windows/system32 ]]; then
	ok "wine prefix initialised"
	if x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" \
		"$script_dir/bcryptprimitives.c" -ladvapi32 >"$setup_log" 2>&1 &&
		cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"; then
		ok "bcryptprimitives.dll shim built and installed"
		wine_ready=1
	else
		not_ok "bcryptprimitives.dll shim built and installed"
		diag_file "mingw/cp output" "$setup_log"
	fi
else
	not_ok "wine prefix initialised" "WINEPREFIX=$WINEPREFIX"
	diag_file "wineboot output" "$setup_log"
fi

# --- 3. checks under Wine ----------------------------------------------------
out="$work/stdout"
err="$work/stderr"
rc=0

# run_exe ARGS... : run wurepair.exe under Wine with a time limit; sets rc,
# writes $out and $err. rc 124 means the time limit was hit.
run_exe() {
	rc=0
	timeout -k 5 "$RUN_TIMEOUT" "${wenv[@]}" wine "$exe" "$@" </dev/null >"$out" 2>"$err" || rc=$?
	# Windows programs may write CRLF; compare on LF text.
	sed -i 's/\r$//' "$out" "$err"
}

# Common failure detail for a run.
run_diag() {
	if ((rc == 124 || rc == 137)); then
		printf '#   timed out after %ss (exit %d)\n' "$RUN_TIMEOUT" "$rc"
	else
		printf '#   exit code: %d\n' "$rc"
	fi
	diag_file "stdout" "$out"
	diag_file "stderr" "$err"
}

checks=(
	"--help exits 0 and mentions wurepair"
	"version exits 0"
	"scripts list exits 0 and lists Test-WurEcho"
	"selftest with Wine's stub PowerShell exits 4 and mentions PowerShell"
	"selftest --powershell <missing path> exits 4 and names the path"
	"diagnose against fakehost.exe (0x80070002) exits 1 and names the datastore fix"
	"diagnose against fakehost.exe (healthy) exits 0"
	"repair auto --dry-run against fakehost.exe exits 0, changes nothing, leaves no journal"
	"a hanging fake host and its children are killed at the startup timeout: exit 4, no process left"
)

if [[ -z $exe || -z $wine_ready ]]; then
	for name in "${checks[@]}"; do
		not_ok "$name" "not run: windows/amd64 build or Wine setup failed (see above)"
	done
	summary_and_exit
fi

# --help
run_exe --help
if ((rc == 0)) && grep -qiF 'wurepair' "$out"; then
	ok "${checks[0]}"
else
	not_ok "${checks[0]}"
	run_diag
fi

# version
run_exe version
if ((rc == 0)); then
	ok "${checks[1]}"
else
	not_ok "${checks[1]}"
	run_diag
fi

# scripts list
run_exe scripts list
if ((rc == 0)) && grep -qF 'Test-WurEcho' "$out"; then
	ok "${checks[2]}"
else
	not_ok "${checks[2]}"
	run_diag
fi

# selftest, default PowerShell discovery: under Wine this finds a stub
# powershell.exe that exits at once with no output.
run_exe selftest
if ((rc == 4)) && grep -qi 'powershell' "$err"; then
	ok "${checks[3]}"
else
	not_ok "${checks[3]}"
	run_diag
fi

# selftest with an explicit, missing PowerShell path. The message may quote
# the path Go-style (backslashes doubled), so accept either spelling.
missing_ps='C:\does\not\exist.exe'
missing_ps_quoted='C:\\does\\not\\exist.exe'
run_exe selftest --powershell "$missing_ps"
if ((rc == 4)) && grep -qiF -- "$missing_ps" "$err"; then
	ok "${checks[4]}"
elif ((rc == 4)) && grep -qiF -- "$missing_ps_quoted" "$err"; then
	ok "${checks[4]}"
	printf '#   note: the path appears only Go-quoted (%s)\n' "$missing_ps_quoted"
else
	not_ok "${checks[4]}"
	run_diag
fi

# --- 4. wurepair.exe against the Windows build of the fake host -----------------
# winpath FILE: the Windows path of a Linux file (Wine maps Z: to /).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

if [[ -z $fakehost ]]; then
	for name in "${checks[@]:5}"; do
		not_ok "$name" "not run: fakehost.exe or spawner.exe did not build (see above)"
	done
	summary_and_exit
fi
cp tests/scenarios/0x80070002.json tests/scenarios/healthy.json "$work/"
echo '{"name": "hang", "description": "the host never answers, not even the MODE probe", "faults": {"hangForever": true}}' >"$work/hang.json"
state_dir="$WINEPREFIX/drive_c/ProgramData/wurepair"

# The fake host reads its scenario from the environment, as in tests/e2e.
run_exe_on() {
	local scenario=$1
	shift
	rc=0
	WUREPAIR_FAKEHOST_SCENARIO=$(winpath "$work/$scenario") timeout -k 5 "$RUN_TIMEOUT" "${wenv[@]}" \
		wine "$exe" "$@" --powershell "$(winpath "$fakehost")" </dev/null >"$out" 2>"$err" || rc=$?
	sed -i 's/\r$//' "$out" "$err"
}

run_exe_on 0x80070002.json diagnose
if ((rc == 1)) && grep -qF '(store-reset-errors)' "$out" && grep -qF 'wurepair repair datastore' "$out"; then
	ok "${checks[5]}"
else
	not_ok "${checks[5]}"
	run_diag
fi

run_exe_on healthy.json diagnose
if ((rc == 0)); then
	ok "${checks[6]}"
else
	not_ok "${checks[6]}"
	run_diag
fi

cp "$work/0x80070002.json" "$work/0x80070002.before"
run_exe_on 0x80070002.json repair auto --dry-run
runs_left=0
if [[ -d $state_dir/runs ]]; then
	runs_left=$(find "$state_dir/runs" -mindepth 1 -maxdepth 1 | wc -l)
fi
if ((rc == 0)) && grep -qF 'plan: datastore' "$out" && grep -qF 'dry run: nothing was changed' "$out" &&
	cmp -s "$work/0x80070002.json" "$work/0x80070002.before" && ((runs_left == 0)); then
	ok "${checks[7]}"
else
	not_ok "${checks[7]}" "journals left under $state_dir/runs: $runs_left"
	run_diag
fi

# The hang: wurepair -> spawner.exe -> fakehost.exe (hangs) + spawner.exe -sleep.
# All three must exist while wurepair waits, and none after it gave up.
# Wine runs each Windows process as a Linux process whose arguments start
# with its Windows path: `ps` sees them; `winedbg info proc` is Wine's own list.
tree_procs() { # prints the processes of our tree still alive (Linux view)
	ps -eo pid=,args= | grep -F -e "$(winpath "$spawner")" -e "$(winpath "$fakehost")" | grep -v -e grep -e 'wurepair.exe' || true
}
wine_procs() { # Wine's process list, only our exe names
	timeout 30 "${wenv[@]}" wine winedbg --command "info proc" 2>/dev/null | tr -d '\r' | grep -E "'(spawner|fakehost)\.exe'" || true
}
hang_start=$SECONDS
(
	WUREPAIR_FAKEHOST_SCENARIO=$(winpath "$work/hang.json") WUREPAIR_SPAWNER_HOST=$(winpath "$fakehost") \
		timeout -k 5 "$HANG_TIMEOUT" "${wenv[@]}" wine "$exe" selftest --startup-timeout 20s --powershell "$(winpath "$spawner")" </dev/null >"$out" 2>"$err" ||
		hang_rc=$?
	echo "${hang_rc:-0}" >"$work/hang.rc"
) &
hang_pid=$!
# Wait (bounded) until the whole tree runs: spawner, its sleeper, fakehost.
seen=""
deadline=$((SECONDS + 40))
while ((SECONDS < deadline)) && [[ ! -e $work/hang.rc ]]; do
	if (($(tree_procs | wc -l) >= 3)); then
		seen=$(tree_procs)
		break
	fi
	sleep 0.5
done
wine_seen=$(wine_procs)
wait "$hang_pid" || true
rc=$(cat "$work/hang.rc" 2>/dev/null || echo 255)
elapsed=$((SECONDS - hang_start))
sed -i 's/\r$//' "$out" "$err"
# TerminateJobObject is asynchronous: give the processes a bounded moment to go.
left=$(tree_procs)
deadline=$((SECONDS + 10))
while [[ -n $left ]] && ((SECONDS < deadline)); do
	sleep 0.5
	left=$(tree_procs)
done
wine_left=$(wine_procs)
if [[ -n $seen ]] && ((rc == 4)) && grep -qF 'did not complete the wurepair handshake in time' "$err" && grep -qF 'was killed' "$err" &&
	[[ -z $left && -z $wine_left ]]; then
	ok "${checks[8]}"
	printf '#   killed after %ds; the tree while it hung (Linux view):\n' "$elapsed"
	printf '%s\n' "$seen" | awk '{ print "#     " $0 }'
	printf '%s\n' "$wine_seen" | awk 'NF { print "#     wine: " $0 }'
else
	not_ok "${checks[8]}" "after ${elapsed}s; tree seen while hanging: $(printf '%s\n' "$seen" | grep -c .) process(es)" \
		"left behind (ps): ${left:-none}" "left behind (winedbg): ${wine_left:-none}"
	run_diag
	# Leave nothing running for the next test either.
	tree_procs | awk '{ print $1 }' | xargs -r kill -9 2>/dev/null || true
fi

summary_and_exit
