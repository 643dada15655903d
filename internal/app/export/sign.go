package export

import (
	"bytes"
	"context"
	"debug/pe"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Signing the generated scripts (issue 18): ConfigMgr's default client
// settings run PowerShell scripts with the All Signed execution policy, so
// an unsigned detection or Configuration Item script fails (0x87D00327).
// `wurepair export --sign-cert --sign-key [--timestamp-url]` signs every
// generated .ps1 with osslsigncode (Authenticode, as Set-AuthenticodeSignature
// would) after writing it.

// SignOptions are the certificate and key (PEM files) and an optional
// RFC 3161 timestamp server.
type SignOptions struct {
	Cert, Key, TimestampURL string
	// Tool is the osslsigncode to run ("" looks it up on PATH).
	Tool string
}

// SignScripts signs each .ps1 among names (slash-separated, relative to
// dir) in place: signed into a new file beside it, then renamed over it, so
// a failure leaves the unsigned script, never a half-written one.
func SignScripts(ctx context.Context, dir string, names []string, o SignOptions) ([]string, error) {
	tool := o.Tool
	if tool == "" {
		p, err := exec.LookPath("osslsigncode")
		if err != nil {
			return nil, fmt.Errorf("signing needs osslsigncode on PATH (Debian: apt-get install osslsigncode; on Windows sign the scripts with Set-AuthenticodeSignature instead): %w", err)
		}
		tool = p
	}
	var signed []string
	for _, n := range names {
		if !strings.HasSuffix(n, ".ps1") {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(n))
		tmp := p + ".signed"
		args := []string{"sign", "-certs", o.Cert, "-key", o.Key, "-h", "sha256", "-in", p, "-out", tmp}
		if o.TimestampURL != "" {
			args = append(args, "-ts", o.TimestampURL)
		}
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, tool, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			_ = os.Remove(tmp)
			return signed, fmt.Errorf("sign %s: %w: %s", n, err, strings.TrimSpace(out.String()))
		}
		if err := os.Rename(tmp, p); err != nil {
			return signed, fmt.Errorf("sign %s: %w", n, err)
		}
		signed = append(signed, n)
	}
	return signed, nil
}

// ExeSigned reports whether a PE file carries an Authenticode signature
// (a non-empty security directory). It does not verify it.
func ExeSigned(exe []byte) (bool, error) {
	f, err := pe.NewFile(bytes.NewReader(exe))
	if err != nil {
		return false, fmt.Errorf("not a PE file: %w", err)
	}
	const security = 4 // IMAGE_DIRECTORY_ENTRY_SECURITY
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		return len(oh.DataDirectory) > security && oh.DataDirectory[security].Size > 0, nil
	case *pe.OptionalHeader32:
		return len(oh.DataDirectory) > security && oh.DataDirectory[security].Size > 0, nil
	}
	return false, errors.New("no optional header")
}

// DevVersion reports a version that is not a release: "dev", or one a
// build from a work tree marks (-dev, +dirty).
func DevVersion(v string) bool {
	return v == "dev" || strings.Contains(v, "dev") || strings.Contains(v, "dirty")
}
