#!/usr/bin/env bash
# The Makefile's shell: bash with the toolchain wurepair's builds and tests
# need on PATH, so `make demo` and `make test` work on a fresh machine.
# - Go: where ../shared/bin/go-offline sits beside the clone (our machines:
#   no Go module proxy), Go 1.26.8 and GOPROXY pointing at its module copy;
#   elsewhere the `go` already on PATH (and the normal proxy).
# - pwsh: a .NET global tool lands in ~/.dotnet/tools, often not on PATH.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
offline="$root/../shared/bin/go-offline"
if [ -z "${WUREPAIR_GO_ENV:-}" ]; then
  if [ -x "$offline" ]; then
    eval "$("$offline")" || { echo "shell.sh: $offline failed" >&2; exit 1; }
  fi
  export PATH="$PATH:${HOME:-/root}/.dotnet/tools"
  export WUREPAIR_GO_ENV=1
fi
exec bash "$@"
