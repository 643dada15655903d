#!/usr/bin/env bash
# Runs every fuzz target briefly (default 10s each): a smoke, not a campaign.
# A longer local run: bash tests/fuzz.sh 5m
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-10s}"
targets=$(grep -rhoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' . | sed 's/^func //' | sort -u)
count=0
for target in $targets; do
  file=$(grep -rlE --include='*_test.go' "^func ${target}\(" . | head -1)
  pkg="./$(dirname "${file#./}")"
  echo "fuzz ${pkg} ${target} for ${t}"
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg" >/tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; exit 1; }
  tail -1 /tmp/fuzz.$$.log
  count=$((count+1))
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: ${count} targets passed"
