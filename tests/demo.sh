#!/usr/bin/env bash
# make demo: the real wurepair binary against SIMULATED Windows machines
# (tests/fakehost + tests/scenarios). No Windows and no PowerShell involved.
#
# Every command is printed exactly as it is run ("$ ..."), environment
# included, so you can copy it and run it yourself from the repository
# root: the simulated machines stay in $WUREPAIR_DEMO_DIR (default
# /tmp/wurepair-demo) after the demo. Lines that come from the simulated
# machine (`host: ...`) are marked [SIMULATED].
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x bin/wurepair ] && [ -x bin/fakehost ] || { echo "run 'make build' first" >&2; exit 2; }

demo_dir=${WUREPAIR_DEMO_DIR:-${TMPDIR:-/tmp}/wurepair-demo}
if [ -e "$demo_dir" ] && [ ! -e "$demo_dir/.wurepair-demo" ]; then
  echo "$demo_dir exists and is not a wurepair demo directory: set WUREPAIR_DEMO_DIR elsewhere" >&2
  exit 2
fi
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
touch "$demo_dir/.wurepair-demo"

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
# mark: the host line is what the fake host reported, not a real machine.
mark() { sed -u 's/^host: .*/& [SIMULATED: tests\/fakehost, not a real machine]/'; }

# run CMD: print CMD, run exactly it (stdout and stderr as they come), mark
# the simulated lines, print the exit code. The demo goes on whatever it is.
run() {
  bold "\$ $1"
  if [[ $1 == export* ]]; then # in this shell, so the next commands see it
    eval "$1"
    return
  fi
  local rc=0
  { eval "$1" 2>&1 | mark; rc=${PIPESTATUS[0]}; } || true
  echo "(exit code $rc)"
}

# machine NAME SCENARIO: a fresh simulated machine from
# tests/scenarios/SCENARIO.json, and the environment that points wurepair
# at it (printed as exports you can paste).
machine() {
  local name=$1 scenario=$2 dir="$demo_dir/$1"
  mkdir -p "$dir"
  cp "tests/scenarios/$scenario.json" "$dir/scenario.json"
  printf '\n==================================================================\n'
  printf ' SIMULATED machine "%s": tests/scenarios/%s.json\n' "$name" "$scenario"
  printf ' bin/fakehost stands in for powershell.exe and simulates Windows;\n'
  printf ' nothing here touches a real Windows machine.\n'
  printf '==================================================================\n'
  run "export WUREPAIR_POWERSHELL=$PWD/bin/fakehost"
  run "export WUREPAIR_FAKEHOST_SCENARIO=$dir/scenario.json WUREPAIR_FAKEHOST_STATE=$dir/machine.json"
  run "export WUREPAIR_STATE_DIR=$dir/state"
}

# last_run: the newest run id in the current state directory.
last_run() { bin/wurepair runs list --output json | sed -n 's/.*"id": "\(.*\)".*/\1/p' | tail -1; }

bold "# wurepair against simulated Windows machines. Run the commands below from $PWD."
run "bin/wurepair version"

# 1. KB943144: detect, diagnose, preview, repair, detect again, the audit trail.
machine kb943144 kb943144
run "bin/wurepair detect"
run "bin/wurepair diagnose"
run "bin/wurepair repair --dry-run"
run "bin/wurepair repair --yes"
run "bin/wurepair detect"
run "bin/wurepair runs list"
run "bin/wurepair runs show $(last_run)"

# 2. A failure, rolled back: renaming Download fails (disk full) after
#    DataStore was renamed; wurepair undoes everything, newest first.
machine disk-full disk-full
run "bin/wurepair repair --yes"
run "bin/wurepair runs show $(last_run)"
run "bin/wurepair detect"

# 3. A crash mid-plan, then `wurepair rollback`: the simulated backup is
#    made slow so wurepair can be killed (SIGKILL: no cleanup at all) with
#    the services stopped; rollback restores them from the journal alone.
machine crash 0x80070002
run "sed -i 's/^    \"faults\": {}\$/    \"faults\": {\"slowMs\": {\"Backup-WurFolder\": 600000}}/' \$WUREPAIR_FAKEHOST_SCENARIO"
bold "\$ bin/wurepair repair --yes > $demo_dir/crash/repair.out 2>&1 &"
bin/wurepair repair --yes >"$demo_dir/crash/repair.out" 2>&1 &
pid=$!
for _ in $(seq 300); do # wait (30 s at most) for the backup step to begin
  grep -q '^\[4/7\] back up DataStore, Download \.\.\.$' "$demo_dir/crash/repair.out" && break
  sleep 0.1
done
mark <"$demo_dir/crash/repair.out"
bold "\$ kill -9 \$!    # wurepair dies mid-plan: services stopped, nothing cleaned up"
{ kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true
run "bin/wurepair runs list"
run "bin/wurepair rollback --yes"
run "bin/wurepair detect"

printf '\nThe simulated machines, their journals and logs stay in %s (rm -rf it when done).\n' "$demo_dir"
printf 'wurepair.exe for Windows: %s\n' "$(ls -l bin/wurepair.exe 2>/dev/null | awk '{print $5" bytes at bin/wurepair.exe"}')"
