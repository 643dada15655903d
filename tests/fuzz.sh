#!/usr/bin/env bash
# Runs every fuzz target for a fixed number of executions: a smoke, not a
# campaign. Counts, not durations: `-fuzztime 10s` fails now and then with a
# bare "context deadline exceeded" and no crasher when the machine is loaded
# (Go's fuzz coordinator race, golang/go#75804, unfixed in go1.26), so a
# duration budget would make CI fail by chance. A count budget ends when the
# workers have run N inputs, whatever the load.
#
#   bash tests/fuzz.sh            the CI smoke (budgets below, ~1 min on 2 cores)
#   bash tests/fuzz.sh 5m         a longer local campaign per target (duration)
#   FUZZ_SCALE=10 bash tests/fuzz.sh   ten times every count budget
set -euo pipefail
cd "$(dirname "$0")/.."

# Executions per target, sized so each takes roughly 5-20 s here (inputs of
# FuzzFrameReader are whole multi-frame streams: ~600 execs/s; the decoders
# run ~15,000/s). A target missing here gets the default; a name here that
# is no longer a target is an error, so the table stays true.
declare -A budget=(
  [FuzzFrameReader]=20000
  [FuzzDecodeEnvelope]=100000
  [FuzzDecodeStrict]=100000
  [FuzzSkipValue]=40000
  [FuzzDecodeQuads]=100000
  [FuzzReadJournal]=60000
)
default_budget=20000
scale=${FUZZ_SCALE:-1}
duration=${1:-}

targets=$(grep -rhoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' . | sed 's/^func //' | sort -u)
for name in "${!budget[@]}"; do
  grep -qx "$name" <<<"$targets" || { echo "fuzz.sh: budget for $name, which is not a fuzz target any more: update the table" >&2; exit 1; }
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
count=0
for target in $targets; do
  file=$(grep -rlE --include='*_test.go' "^func ${target}\(" . | head -1)
  pkg="./$(dirname "${file#./}")"
  if [ -n "$duration" ]; then
    t=$duration
  else
    t="$(( ${budget[$target]:-$default_budget} * scale ))x"
  fi
  corpus="${pkg}/testdata/fuzz/${target}"
  before=$(ls "$corpus" 2>/dev/null | sort || true)
  echo "fuzz ${pkg} ${target} -fuzztime ${t}"
  if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg" >"$log" 2>&1; then
    cat "$log"
    after=$(ls "$corpus" 2>/dev/null | sort || true)
    new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
    if [ -n "$new" ]; then
      echo "fuzz: ${target} failed; reproducer(s) written to ${corpus}/: ${new//$'\n'/ }"
      echo "fuzz: rerun with: go test -run '${target}/<file>' ${pkg}"
    else
      echo "fuzz: ${target} failed without writing a reproducer: that is the fuzz harness, not the code under test; the log above says why"
    fi
    exit 1
  fi
  tail -1 "$log"
  count=$((count+1))
done
echo "fuzz: ${count} targets passed"
