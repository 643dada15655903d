#!/usr/bin/env bash
# Release build: wurepair.exe for windows/amd64, 386 and arm64, reproducible,
# with a version resource + manifest, an SPDX SBOM per exe, SHA256SUMS, and
# an Authenticode signature when a certificate is given.
#
# Usage (from anywhere):  bash tests/release/release.sh        (or: make release)
#
# Environment (all optional):
#   OUT                 output directory (default bin/release); replaced
#   VERSION             release version (default: `git describe --tags --match 'v[0-9]*'`
#                       without the v, else 0.0.0-dev+<short commit>)
#   COMMIT              source commit (default: git rev-parse HEAD, "+dirty" when the
#                       tree has changes, "unknown" without git)
#   SOURCE_DATE_EPOCH   time stamp of the SBOMs (default: the commit time, else 0)
#   ARCHES              default "amd64 386 arm64"
#   Signing, with osslsigncode (skipped, and said so, when none is given):
#   SIGN_PKCS12 (+ SIGN_PASS_FILE, a file holding the password)  or  SIGN_CERT + SIGN_KEY (PEM)
#   SIGN_CAFILE         CA bundle the signature is verified against after signing
#                       (default: the system bundle; a self-signed test certificate is its own CA)
#   SIGN_TIMESTAMP_URL  RFC 3161 time-stamp server (recommended for real releases)
#   SIGN_TIME           fixed signing time (unix seconds) for reproducible signed files
#
# Reproducible: the build runs on a private copy of the source tree (tracked
# and untracked-but-not-ignored files as they are in the working tree) with
# -trimpath -buildvcs=false, CGO off, every GO* setting that changes code
# pinned, and version + commit passed with -ldflags -X. The version resource
# (.syso) is generated in that copy by a pinned go-winres from
# cmd/wurepair/winres/winres.json; no generated binary is committed.
# Two runs on the same commit give byte-identical exes and SBOMs
# (tests/release/check.sh proves it). A signature adds the signing time, so
# signed files are identical only with SIGN_TIME fixed and no time-stamp server.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cd "$repo_root"

GO=${GO:-go}
WINRES_MODULE=github.com/tc-hib/go-winres@v0.3.3
ARCHES=${ARCHES:-"amd64 386 arm64"}
OUT=${OUT:-bin/release}

die() {
	echo "release: $*" >&2
	exit 1
}

for tool in "$GO" tar sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done

# --- what is built -----------------------------------------------------------
have_git=""
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
	have_git=1
fi
if [[ -z ${COMMIT:-} ]]; then
	COMMIT=unknown
	if [[ -n $have_git ]]; then
		COMMIT=$(git rev-parse HEAD)
		if [[ -n $(git status --porcelain) ]]; then
			COMMIT="$COMMIT+dirty"
		fi
	fi
fi
if [[ -z ${VERSION:-} ]]; then
	VERSION=""
	if [[ -n $have_git ]]; then
		VERSION=$(git describe --tags --match 'v[0-9]*' 2>/dev/null || true)
		VERSION=${VERSION#v}
	fi
	if [[ -z $VERSION ]]; then
		VERSION="0.0.0-dev+${COMMIT:0:12}"
		VERSION=${VERSION%+}
	fi
fi
[[ $VERSION =~ ^[0-9A-Za-z][0-9A-Za-z.+-]*$ ]] || die "VERSION $VERSION: use letters, digits, '.', '+' and '-' only"
[[ $COMMIT =~ ^[0-9A-Za-z.+-]+$ ]] || die "COMMIT $COMMIT: use letters, digits, '.', '+' and '-' only"
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
	SOURCE_DATE_EPOCH=0
	if [[ -n $have_git ]]; then
		SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
	fi
fi
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH $SOURCE_DATE_EPOCH: want unix seconds"
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

# The fixed part of the version resource is four numbers: 1.2.3-rc1 -> 1.2.3.0.
numeric_version() {
	local v=$1 a=0 b=0 c=0
	if [[ $v =~ ^([0-9]+)(\.([0-9]+))?(\.([0-9]+))? ]]; then
		a=${BASH_REMATCH[1]} b=${BASH_REMATCH[3]:-0} c=${BASH_REMATCH[5]:-0}
	fi
	for n in "$a" "$b" "$c"; do
		((10#$n <= 65535)) || die "VERSION $v: each number must be at most 65535 for the version resource"
	done
	echo "$((10#$a)).$((10#$b)).$((10#$c)).0"
}
file_version=$(numeric_version "$VERSION")

signing=""
if [[ -n ${SIGN_PKCS12:-} ]]; then
	[[ -r $SIGN_PKCS12 ]] || die "SIGN_PKCS12 $SIGN_PKCS12 is not readable"
	signing=pkcs12
elif [[ -n ${SIGN_CERT:-} || -n ${SIGN_KEY:-} ]]; then
	[[ -r ${SIGN_CERT:-} && -r ${SIGN_KEY:-} ]] || die "SIGN_CERT and SIGN_KEY must both name readable PEM files"
	signing=pem
fi
if [[ -n $signing ]]; then
	command -v osslsigncode >/dev/null 2>&1 || die "a certificate is given but osslsigncode is missing (apt-get install -y osslsigncode)"
fi

# OUT is replaced: refuse anything that does not look like a release dir.
if [[ -e $OUT ]]; then
	[[ -d $OUT ]] || die "OUT $OUT is not a directory"
	if [[ -n $(ls -A "$OUT") && ! -f $OUT/SHA256SUMS ]]; then
		die "OUT $OUT is not empty and holds no SHA256SUMS: not a release directory, not replacing it"
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wurepair-release.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "release: wurepair $VERSION (file version $file_version), commit $COMMIT, $GO $($GO env GOVERSION)"

# --- a private copy of the source --------------------------------------------
src="$work/src"
mkdir -p "$src"
if [[ -n $have_git ]]; then
	git ls-files -z -c -o --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
	tar --exclude=./bin -cf - . | tar -xf - -C "$src"
fi

# --- tools: go-winres (pinned) and the SBOM writer -----------------------------
mkdir -p "$work/tools"
GOBIN="$work/tools" GOFLAGS=-mod=mod "$GO" install "$WINRES_MODULE" ||
	die "cannot build $WINRES_MODULE (is it in the module proxy?)"
(cd "$src" && "$GO" build -o "$work/tools/sbom" ./tests/release/sbom) || die "cannot build tests/release/sbom"

# --- version resource + manifest -----------------------------------------------
arch_list=${ARCHES// /,}
"$work/tools/go-winres" make --in "$src/cmd/wurepair/winres/winres.json" --arch "$arch_list" \
	--out "$src/cmd/wurepair/rsrc" --file-version "$file_version" --product-version "$VERSION" ||
	die "go-winres make failed"

# sign_args: osslsigncode's signing arguments for the given certificate.
sign_args() {
	args=(sign -h sha256 -n wurepair -i https://github.com/wurepair/wurepair)
	if [[ $signing == pkcs12 ]]; then
		args+=(-pkcs12 "$SIGN_PKCS12")
		if [[ -n ${SIGN_PASS_FILE:-} ]]; then
			args+=(-readpass "$SIGN_PASS_FILE")
		fi
	else
		args+=(-certs "$SIGN_CERT" -key "$SIGN_KEY")
	fi
	if [[ -n ${SIGN_TIMESTAMP_URL:-} ]]; then
		args+=(-ts "$SIGN_TIMESTAMP_URL")
	fi
	if [[ -n ${SIGN_TIME:-} ]]; then
		args+=(-time "$SIGN_TIME")
	fi
}
# verify_signed FILE: the signature verifies (against SIGN_CAFILE if given).
verify_signed() {
	local verify=(verify -in "$1")
	if [[ -n ${SIGN_CAFILE:-} ]]; then
		verify+=(-CAfile "$SIGN_CAFILE")
	fi
	osslsigncode "${verify[@]}" >"$work/verify.log" 2>&1 ||
		{ cat "$work/verify.log" >&2; die "the signature of $(basename "$1") does not verify"; }
}

# --- sign the session bootstrap before it is embedded -----------------------------
# With --bootstrap-delivery file, wurepair writes the embedded bootstrap to
# the state directory and runs it with -File: signed, an AppLocker/WDAC
# publisher rule can allow it (README, "Bootstrap delivery"). The signature
# block is a comment, so command delivery runs it unchanged.
if [[ -n $signing ]]; then
	sign_args
	osslsigncode "${args[@]}" -in "$src/scripts/bootstrap.ps1" -out "$work/bootstrap.signed.ps1" >"$work/sign.log" 2>&1 ||
		{ cat "$work/sign.log" >&2; die "signing scripts/bootstrap.ps1 failed"; }
	verify_signed "$work/bootstrap.signed.ps1"
	cp "$work/bootstrap.signed.ps1" "$src/scripts/bootstrap.ps1"
	echo "release: signed and verified scripts/bootstrap.ps1 (embedded)"
fi

# --- build ----------------------------------------------------------------------
ldflags="-s -w -X main.version=$VERSION -X github.com/wurepair/wurepair/internal/app.commit=$COMMIT"
stage="$work/out"
mkdir -p "$stage" "$work/unsigned"
for arch in $ARCHES; do
	name="wurepair-$VERSION-windows-$arch.exe"
	echo "release: building $name"
	(cd "$src" && env CGO_ENABLED=0 GOOS=windows GOARCH="$arch" GOAMD64=v1 GO386=sse2 GOARM64=v8.0 \
		GOFLAGS=-mod=readonly GOEXPERIMENT= GOTOOLCHAIN=local \
		"$GO" build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$work/unsigned/$name" ./cmd/wurepair) ||
		die "build windows/$arch failed"
done

# --- sign -------------------------------------------------------------------------
if [[ -n ${RELEASE_KEEP_UNSIGNED:-} ]]; then
	# For tests/release/check.sh: the exes as built, before their signature.
	mkdir -p "$RELEASE_KEEP_UNSIGNED" && cp "$work/unsigned"/*.exe "$RELEASE_KEEP_UNSIGNED/"
fi
for f in "$work/unsigned"/*.exe; do
	name=$(basename "$f")
	if [[ -z $signing ]]; then
		cp "$f" "$stage/$name"
		continue
	fi
	sign_args
	osslsigncode "${args[@]}" -in "$f" -out "$stage/$name" >"$work/sign.log" 2>&1 ||
		{ cat "$work/sign.log" >&2; die "signing $name failed"; }
	verify_signed "$stage/$name"
	echo "release: signed and verified $name"
done
if [[ -z $signing ]]; then
	echo "release: not signed (no SIGN_PKCS12 or SIGN_CERT/SIGN_KEY given)"
fi

# --- SBOMs (from each shipped file's own build information) and sums -----------
for f in "$stage"/*.exe; do
	"$work/tools/sbom" -version "$VERSION" -created "$created" "$f" >"${f%.exe}.spdx.json" ||
		die "SBOM for $(basename "$f") failed"
done
(cd "$stage" && LC_ALL=C sha256sum -- *.exe *.spdx.json >SHA256SUMS)

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
mv "$stage" "$OUT"

echo "release: $OUT"
for f in "$OUT"/*.exe; do
	size=$(stat -c %s "$f")
	awk -v n="$(basename "$f")" -v s="$size" 'BEGIN { printf "  %-52s %9d bytes  %5.1f MiB\n", n, s, s / 1048576 }'
done
