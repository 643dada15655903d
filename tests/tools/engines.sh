#!/usr/bin/env bash
# Says which real engines this machine has for `make test`, loudly.
#   engines.sh          print what runs and what does not
#   engines.sh --final  the same, as the closing summary of make test
# With WUREPAIR_REQUIRE_PWSH=1 (CI) a missing pwsh is an error (exit 1).
set -uo pipefail
pwsh_path=$(command -v pwsh 2>/dev/null || true)
[ -n "$pwsh_path" ] || { [ -x "${HOME:-/root}/.dotnet/tools/pwsh" ] && pwsh_path="${HOME:-/root}/.dotnet/tools/pwsh"; }
pester="${HOME:-/root}/.nuget/packages/pester/5.7.1/tools/Pester.psd1"
what=""
[ "${1:-}" = "--final" ] && what="make test: "
if [ -n "$pwsh_path" ]; then
  echo "${what}real PowerShell: $pwsh_path ($("$pwsh_path" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null))"
  if [ -f "$pester" ] || command -v dotnet >/dev/null; then
    echo "${what}Pester 5.7.1: $( [ -f "$pester" ] && echo "$pester" || echo "restored from NuGet by tests/pester/run.sh")"
  fi
else
  echo "************************************************************************"
  echo "${what}NOT RUN: no pwsh. The real-engine Go tests (ps, tests/realps, e2e"
  echo "  --pwsh) SKIP and Pester does not run: only the simulated host was tested."
  echo "  Install: dotnet tool install --global PowerShell --version 7.6.9"
  echo "************************************************************************"
  if [ "${WUREPAIR_REQUIRE_PWSH:-}" = "1" ]; then
    echo "WUREPAIR_REQUIRE_PWSH=1: a missing pwsh is a failure here" >&2
    exit 1
  fi
fi
exit 0
