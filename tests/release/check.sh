#!/usr/bin/env bash
# Checks `make release` (tests/release/release.sh): two builds in a row are
# byte-identical, every exe carries the version resource, the asInvoker
# manifest, the injected version and commit and the build settings we
# promise, SHA256SUMS and the SBOMs match the files, and Authenticode
# signing with a throwaway self-signed certificate verifies (and fails to
# verify when it should).
#
# Usage (from anywhere):  bash tests/release/check.sh     (or: make release-check)
# Needs: go, osslsigncode, openssl, sha256sum, od.
# Output: "ok - ..." / "not ok - ..." lines ("#" lines explain a failure),
# then "N passed, N failed". Exit 0 only when everything passed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cd "$repo_root"
GO=${GO:-go}

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	printf 'ok - %s\n' "$1"
}
not_ok() {
	local name=$1
	shift
	failed=$((failed + 1))
	printf 'not ok - %s\n' "$name"
	local line
	for line in "$@"; do printf '#   %s\n' "$line"; done
}
diag_file() {
	[[ -s $2 ]] && head -c 3000 "$2" | awk -v l="$1" 'NR == 1 { print "#   " l ":" } { print "#     " $0 }'
	return 0
}
check() { # check NAME CMD...: ok when CMD succeeds
	local name=$1
	shift
	if "$@" >"$work/check.log" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "command: $*"
		diag_file output "$work/check.log"
	fi
}
check_fails() { # check_fails NAME CMD...: ok when CMD fails
	local name=$1
	shift
	if "$@" >"$work/check.log" 2>&1; then
		not_ok "$name" "command succeeded, should have failed: $*"
		diag_file output "$work/check.log"
	else
		ok "$name"
	fi
}
finish() {
	printf '%d passed, %d failed\n' "$passed" "$failed"
	((failed == 0))
}

missing=()
for tool in "$GO" osslsigncode openssl sha256sum od awk; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
	not_ok "prerequisites present" "missing: ${missing[*]} (Debian: apt-get install -y osslsigncode openssl coreutils)"
	finish
	exit 1
fi
ok "prerequisites present"

work=$(mktemp -d "${TMPDIR:-/tmp}/wurepair-release-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Fixed inputs, so the check does not depend on the state of the checkout.
export VERSION=1.2.3-check COMMIT=0123456789abcdef0123456789abcdef01234567 SOURCE_DATE_EPOCH=1764547200
arches=(amd64 386 arm64)
declare -A machine=([amd64]=8664 [386]=014c [arm64]=aa64)

# --- two unsigned builds ------------------------------------------------------
for run in a b; do
	if OUT="$work/$run" bash "$script_dir/release.sh" >"$work/release-$run.log" 2>&1; then
		ok "release build $run"
	else
		not_ok "release build $run"
		diag_file "release.sh output" "$work/release-$run.log"
		finish
		exit 1
	fi
done
sizes=$(grep -E '^  wurepair-' "$work/release-a.log" || true)

if cmp -s "$work/a/SHA256SUMS" "$work/b/SHA256SUMS"; then
	ok "two builds in a row give identical SHA-256 (exes and SBOMs)"
else
	not_ok "two builds in a row give identical SHA-256 (exes and SBOMs)" "$(diff "$work/a/SHA256SUMS" "$work/b/SHA256SUMS" | tr '\n' ' ')"
fi
check "SHA256SUMS matches the files" bash -c "cd '$work/a' && sha256sum -c --strict SHA256SUMS"
n=$(wc -l <"$work/a/SHA256SUMS")
if ((n == 2 * ${#arches[@]})); then
	ok "SHA256SUMS lists ${#arches[@]} exes and ${#arches[@]} SBOMs"
else
	not_ok "SHA256SUMS lists ${#arches[@]} exes and ${#arches[@]} SBOMs" "it has $n lines"
fi
# The check must be able to fail: a changed byte is caught.
cp -r "$work/a" "$work/tampered"
printf 'X' | dd of="$work/tampered/wurepair-$VERSION-windows-amd64.exe" bs=1 seek=1000 conv=notrunc status=none
check_fails "SHA256SUMS catches a changed byte" bash -c "cd '$work/tampered' && sha256sum -c --strict --quiet SHA256SUMS"

# --- what each exe carries -------------------------------------------------------
GOBIN="$work/tools" GOFLAGS=-mod=mod "$GO" install github.com/tc-hib/go-winres@v0.3.3 >"$work/tools.log" 2>&1 ||
	not_ok "go-winres available for inspection" "$(tail -3 "$work/tools.log")"

# pe_machine FILE: the COFF machine field, as 4 hex digits.
pe_machine() {
	local off
	off=$(od -An -tu4 -j 60 -N 4 "$1" | tr -d ' ')
	[[ $(od -An -c -j "$off" -N 4 "$1" | tr -d ' ') == 'PE\0\0' ]] || return 1
	od -An -tx2 -j $((off + 4)) -N 2 "$1" | tr -d ' '
}

for arch in "${arches[@]}"; do
	exe="$work/a/wurepair-$VERSION-windows-$arch.exe"
	sbom="$work/a/wurepair-$VERSION-windows-$arch.spdx.json"
	if [[ ! -f $exe ]]; then
		not_ok "windows/$arch exe built" "missing $exe"
		continue
	fi
	m=$(pe_machine "$exe" || echo none)
	if [[ $m == "${machine[$arch]}" ]]; then
		ok "windows/$arch: a PE file for machine 0x$m"
	else
		not_ok "windows/$arch: a PE file for machine 0x${machine[$arch]}" "machine field: $m"
	fi

	"$GO" version -m "$exe" >"$work/m.txt" 2>&1 || true
	want=(-trimpath=true CGO_ENABLED=0 GOOS=windows "GOARCH=$arch")
	bad=()
	for w in "${want[@]}"; do
		grep -qE "^[[:space:]]+build[[:space:]]+$w\$" "$work/m.txt" || bad+=("$w")
	done
	if grep -qE 'vcs\.' "$work/m.txt"; then bad+=("no vcs.* stamp (-buildvcs=false)"); fi
	if ((${#bad[@]} == 0)); then
		ok "windows/$arch: build info says -trimpath, CGO off, no VCS stamp"
	else
		not_ok "windows/$arch: build info says -trimpath, CGO off, no VCS stamp" "missing: ${bad[*]}"
		diag_file "go version -m" "$work/m.txt"
	fi

	# The version and commit are in the binary (ldflags -X): as strings.
	if grep -qaF "$COMMIT" "$exe" && grep -qaF "$VERSION" "$exe"; then
		ok "windows/$arch: version and commit injected"
	else
		not_ok "windows/$arch: version and commit injected"
	fi

	rm -rf "$work/res"
	if "$work/tools/go-winres" extract --xml-manifest --dir "$work/res" "$exe" >"$work/res.log" 2>&1 &&
		grep -q 'level="asInvoker"' "$work/res/app.manifest" &&
		grep -q '"ProductVersion": "'"$VERSION"'"' "$work/res/winres.json" &&
		grep -q '"FileVersion": "1.2.3.0"' "$work/res/winres.json" &&
		grep -q '"OriginalFilename": "wurepair.exe"' "$work/res/winres.json"; then
		ok "windows/$arch: version resource (1.2.3.0 / $VERSION) and asInvoker manifest"
	else
		not_ok "windows/$arch: version resource (1.2.3.0 / $VERSION) and asInvoker manifest"
		diag_file "extract" "$work/res.log"
		diag_file "winres.json" "$work/res/winres.json"
	fi

	# SBOM: valid, names this exe by its SHA-256, and lists exactly the
	# modules `go version -m` reads from the binary (an independent reader).
	if "$GO" run ./tests/release/sbom -validate "$sbom" >"$work/v.log" 2>&1; then
		ok "windows/$arch: SBOM is well-formed SPDX 2.3 JSON"
	else
		not_ok "windows/$arch: SBOM is well-formed SPDX 2.3 JSON"
		diag_file "validate" "$work/v.log"
	fi
	sum=$(sha256sum "$exe" | cut -d' ' -f1)
	awk '$1 == "dep" { print $2 "@" $3 } $1 == "=>" { print "replaced" }' "$work/m.txt" | sort >"$work/deps-m.txt"
	go_version=$(head -1 "$work/m.txt" | awk '{ print $NF }')
	echo "stdlib@$go_version" >>"$work/deps-m.txt"
	echo "github.com/wurepair/wurepair@$VERSION" >>"$work/deps-m.txt"
	sort -o "$work/deps-m.txt" "$work/deps-m.txt"
	awk -F'"' '$2 == "name" { n = $4 } $2 == "versionInfo" { print n "@" $4 }' "$sbom" | sort >"$work/deps-s.txt"
	if grep -q "\"checksumValue\": \"$sum\"" "$sbom" && cmp -s "$work/deps-m.txt" "$work/deps-s.txt"; then
		ok "windows/$arch: SBOM names the exe's SHA-256 and exactly its $(($(wc -l <"$work/deps-s.txt") - 2)) modules + stdlib"
	else
		not_ok "windows/$arch: SBOM names the exe's SHA-256 and exactly its modules + stdlib" \
			"diff go-version-m vs SBOM: $(diff "$work/deps-m.txt" "$work/deps-s.txt" | tr '\n' ' ')"
	fi
done

# --- signing --------------------------------------------------------------------
# A throwaway self-signed code-signing certificate. It chains to nothing, so
# the signature is verified against that certificate as its own CA.
mkcert() {
	openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 2 -subj "/CN=$1" \
		-addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=codeSigning \
		-keyout "$work/$2.key" -out "$work/$2.crt" >"$work/openssl.log" 2>&1
}
if mkcert "wurepair CI throwaway" sign && mkcert "someone else" other; then
	ok "throwaway self-signed code-signing certificates made"
else
	not_ok "throwaway self-signed code-signing certificates made"
	diag_file openssl "$work/openssl.log"
fi
unsigned="$work/a/wurepair-$VERSION-windows-amd64.exe"
check_fails "an unsigned exe does not verify" osslsigncode verify -in "$unsigned" -CAfile "$work/sign.crt"

if OUT="$work/signed" ARCHES=amd64 SIGN_CERT="$work/sign.crt" SIGN_KEY="$work/sign.key" SIGN_CAFILE="$work/sign.crt" \
	SIGN_TIME=$SOURCE_DATE_EPOCH RELEASE_KEEP_UNSIGNED="$work/signed-prebuilt" bash "$script_dir/release.sh" >"$work/release-signed.log" 2>&1; then
	ok "release build signed with the throwaway certificate"
else
	not_ok "release build signed with the throwaway certificate"
	diag_file "release.sh output" "$work/release-signed.log"
fi
signed="$work/signed/wurepair-$VERSION-windows-amd64.exe"
if [[ -f $signed ]]; then
	if osslsigncode verify -in "$signed" -CAfile "$work/sign.crt" >"$work/verify.log" 2>&1 &&
		grep -q 'Signature verification: ok' "$work/verify.log" &&
		grep -q 'CN=wurepair CI throwaway' "$work/verify.log"; then
		ok "osslsigncode verify: signature present and valid against the signing certificate"
	else
		not_ok "osslsigncode verify: signature present and valid against the signing certificate"
		diag_file verify "$work/verify.log"
	fi
	check_fails "the signature does not verify against another certificate" \
		osslsigncode verify -in "$signed" -CAfile "$work/other.crt"
	cp "$signed" "$work/signed-tampered.exe"
	printf 'X' | dd of="$work/signed-tampered.exe" bs=1 seek=2000 conv=notrunc status=none
	check_fails "a changed byte in a signed exe fails verification" \
		osslsigncode verify -in "$work/signed-tampered.exe" -CAfile "$work/sign.crt"
	check "SHA256SUMS of the signed release matches the signed files" bash -c "cd '$work/signed' && sha256sum -c --strict SHA256SUMS"
	# Signing adds the certificate table and sets the PE checksum (the Go
	# linker leaves it 0); with both taken out the bytes are the unsigned exe's.
	pe_off=$(od -An -tu4 -j 60 -N 4 "$signed" | tr -d ' ')
	if osslsigncode remove-signature -in "$signed" -out "$work/stripped.exe" >/dev/null 2>&1 &&
		dd if=/dev/zero of="$work/stripped.exe" bs=1 seek=$((pe_off + 88)) count=4 conv=notrunc status=none &&
		cmp -s "$work/stripped.exe" "$work/signed-prebuilt/$(basename "$signed")"; then
		ok "the signed exe is the exe as built plus a signature (and the PE checksum)"
	else
		not_ok "the signed exe is the exe as built plus a signature (and the PE checksum)" \
			"$(cmp "$work/stripped.exe" "$work/signed-prebuilt/$(basename "$signed")" 2>&1 | head -1)"
	fi
	# The embedded session bootstrap is signed too (for --bootstrap-delivery
	# file and AppLocker/WDAC publisher rules): cut it out of the exe, verify
	# its signature, and check that without its signature block it is
	# exactly scripts/bootstrap.ps1.
	if python3 - "$signed" "$work/embedded-bootstrap.ps1" "$repo_root/scripts/bootstrap.ps1" "$work/bootstrap-unsigned.ps1" <<'PY'
import sys
exe, out, source, stripped = sys.argv[1:5]
data = open(exe, "rb").read()
src = open(source, "rb").read()
start = data.find(src[:200])
end_marker = b"# SIG # End signature block"
end = data.find(end_marker, start)
if start < 0 or end < 0:
    sys.exit("no signed bootstrap found in the exe")
end = data.find(b"\n", end) + 1
open(out, "wb").write(data[start:end])
body = data[start:data.find(b"# SIG # Begin signature block", start)]
open(stripped, "wb").write(body)
PY
	then
		if osslsigncode verify -in "$work/embedded-bootstrap.ps1" -CAfile "$work/sign.crt" >"$work/verify-bootstrap.log" 2>&1 &&
			grep -q 'CN=wurepair CI throwaway' "$work/verify-bootstrap.log" &&
			cmp -s <(tr -d '\r' <"$work/bootstrap-unsigned.ps1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}') <(tr -d '\r' <"$repo_root/scripts/bootstrap.ps1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'); then
			ok "the embedded session bootstrap is signed, verifies, and is scripts/bootstrap.ps1 plus its signature"
		else
			not_ok "the embedded session bootstrap is signed, verifies, and is scripts/bootstrap.ps1 plus its signature"
			diag_file verify "$work/verify-bootstrap.log"
		fi
	else
		not_ok "the embedded session bootstrap is signed, verifies, and is scripts/bootstrap.ps1 plus its signature" "not found in $signed"
	fi
	if OUT="$work/signed2" ARCHES=amd64 SIGN_CERT="$work/sign.crt" SIGN_KEY="$work/sign.key" SIGN_CAFILE="$work/sign.crt" \
		SIGN_TIME=$SOURCE_DATE_EPOCH bash "$script_dir/release.sh" >"$work/release-signed2.log" 2>&1 &&
		cmp -s "$work/signed/SHA256SUMS" "$work/signed2/SHA256SUMS"; then
		ok "two signed builds with SIGN_TIME fixed are identical"
	else
		not_ok "two signed builds with SIGN_TIME fixed are identical"
		diag_file "release.sh output" "$work/release-signed2.log"
	fi
	if grep -q "\"checksumValue\": \"$(sha256sum "$signed" | cut -d' ' -f1)\"" "$work/signed/wurepair-$VERSION-windows-amd64.spdx.json"; then
		ok "the signed release's SBOM names the signed exe"
	else
		not_ok "the signed release's SBOM names the signed exe"
	fi
fi
check_fails "release.sh refuses SIGN_CERT without SIGN_KEY" env OUT="$work/x" SIGN_CERT="$work/sign.crt" bash "$script_dir/release.sh"

if [[ -n $sizes ]]; then
	echo "# exe sizes (unsigned, -s -w):"
	printf '%s\n' "$sizes" | sed 's/^/# /'
fi
finish
