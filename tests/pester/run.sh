#!/usr/bin/env bash
# Runs the Pester suites in tests/pester under real PowerShell (pwsh) and
# prints one final line: "pester: N passed, N failed, N skipped".
#
#   tests/pester/run.sh            # from anywhere
#   WUREPAIR_REQUIRE_PWSH=1 ...    # CI: a missing pwsh or Pester is a failure
#
# pwsh: PATH, then $HOME/.dotnet/tools/pwsh. Pester 5.7.1:
# $HOME/.nuget/packages/pester/5.7.1/tools/Pester.psd1, restored from NuGet
# (a throwaway project + `dotnet restore`) when missing. Without them and
# without WUREPAIR_REQUIRE_PWSH=1 it prints a loud NOT RUN line and exits 0.
# Exit status: non-zero when a test failed (or, in CI, could not run).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
require="${WUREPAIR_REQUIRE_PWSH:-0}"
pester_version=5.7.1

not_run() {
	echo "pester: NOT RUN: $1" >&2
	if [ "$require" = 1 ]; then
		echo "pester: FAILED (WUREPAIR_REQUIRE_PWSH=1): $1" >&2
		exit 1
	fi
	echo "pester: NOT RUN (0 passed, 0 failed, 0 skipped): $1"
	exit 0
}

pwsh_bin="$(command -v pwsh || true)"
if [ -z "$pwsh_bin" ] && [ -x "$HOME/.dotnet/tools/pwsh" ]; then
	pwsh_bin="$HOME/.dotnet/tools/pwsh"
fi
[ -n "$pwsh_bin" ] || not_run "pwsh not found on PATH nor at \$HOME/.dotnet/tools/pwsh (dotnet tool install --global PowerShell --version 7.6.9)"

pester_psd1="$HOME/.nuget/packages/pester/$pester_version/tools/Pester.psd1"
if [ ! -f "$pester_psd1" ]; then
	if command -v dotnet >/dev/null 2>&1; then
		proj="$(mktemp -d)"
		trap 'rm -rf "$proj"' EXIT
		# The installed SDK's own framework: nothing else to download.
		tfm="net$(dotnet --version | cut -d. -f1).0"
		cat >"$proj/restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>$tfm</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Pester" Version="$pester_version" /></ItemGroup>
</Project>
XML
		echo "pester: restoring Pester $pester_version from NuGet" >&2
		dotnet restore "$proj/restore.csproj" >&2 || true
	fi
	[ -f "$pester_psd1" ] || not_run "Pester $pester_version not found at $pester_psd1 and could not be restored"
fi

# The suite prints its own summary; the last line is ours, from the result
# object. Exit code 3 = tests failed, anything else non-zero = the run broke.
set +e
TERM=dumb NO_COLOR=1 __SuppressAnsiEscapeSequences=1 "$pwsh_bin" -NoLogo -NoProfile -NonInteractive -Command - <<PS
\$ErrorActionPreference = 'Stop'
Import-Module -Name '$pester_psd1' -RequiredVersion $pester_version
\$c = New-PesterConfiguration
\$c.Run.Path = '$here'
\$c.Run.PassThru = \$true
\$c.Output.Verbosity = 'Detailed'
if ([Console]::IsOutputRedirected) { \$c.Output.RenderMode = 'Plaintext' }
\$r = Invoke-Pester -Configuration \$c
'pester: {0} passed, {1} failed, {2} skipped' -f \$r.PassedCount, (\$r.FailedCount + \$r.FailedBlocksCount + \$r.FailedContainersCount), (\$r.SkippedCount + \$r.NotRunCount)
if (\$r.Result -ne 'Passed') { exit 3 }
exit 0
PS
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
	echo "pester: the run itself failed (pwsh exit $rc)" >&2
fi
exit "$rc"
