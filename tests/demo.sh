#!/usr/bin/env bash
# make demo: the real wurepair binary against SIMULATED Windows machines
# (tests/fakehost + tests/scenarios). No Windows and no PowerShell involved.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x bin/wurepair ] && [ -x bin/fakehost ] || { echo "run 'make build' first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

demo() {
  local scenario=$1
  shift
  mkdir -p "$work/$scenario"
  cp "tests/scenarios/$scenario.json" "$work/$scenario/scenario.json"
  export WUREPAIR_FAKEHOST_SCENARIO="$work/$scenario/scenario.json"
  export WUREPAIR_FAKEHOST_STATE="$work/$scenario/machine.json"
  printf '\n==================================================================\n'
  printf ' SIMULATED machine: tests/scenarios/%s.json\n' "$scenario"
  printf ' (fake PowerShell host; nothing here touches a real Windows machine)\n'
  printf '==================================================================\n'
  run() {
    local sub=$1
    shift
    say "wurepair $sub $*"
    local rc=0
    bin/wurepair "$sub" --powershell bin/fakehost --state-dir "$work/$scenario/state" "$@" || rc=$?
    echo "(exit code $rc)"
  }
  run diagnose
  run repair auto --dry-run
  run repair auto --yes
  say "wurepair runs list"
  bin/wurepair runs list --state-dir "$work/$scenario/state"
  id=$(bin/wurepair runs list --state-dir "$work/$scenario/state" --output json | sed -n 's/.*"id": "\(.*\)".*/\1/p' | tail -1)
  say "wurepair runs show $id"
  bin/wurepair runs show --state-dir "$work/$scenario/state" "$id"
  run diagnose
}

say "wurepair version"
bin/wurepair version
demo kb943144
demo 0x80070002
printf '\nwurepair.exe for Windows: %s\n' "$(ls -l bin/wurepair.exe | awk '{print $5" bytes"}') at bin/wurepair.exe"
