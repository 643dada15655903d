package ps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// On real pwsh, the bootstrap delivered as a file (-File <path> -Serve, no
// base64 script block): it answers the language-mode probe and READY by
// itself, then serves the same request lines: replies byte-exact, script
// errors, progress, a timeout answered by PowerShell, an undecodable
// request, and a line that is not a request is never executed (its END
// tells Go at once, with stderr).
func TestRealBootstrapFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wurepair-bootstrap.ps1")
	if err := os.WriteFile(path, []byte(scripts.MustLoad().Bootstrap().Text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newRealSession(t, func(o *Options) { o.Bootstrap, o.BootstrapFile = "", path })
	ctx := ctxWithin(t, 3*time.Minute)
	facts, err := s.Start(ctx)
	if err != nil || facts.LanguageMode != "FullLanguage" || facts.PID == 0 {
		stderr, noise := s.Diagnostics()
		t.Fatalf("start: %+v %v\nstderr %s\nnoise %s", facts, err, stderr, noise)
	}
	const text = "Déjà vu ; $(x) `n \u201cq\u201d 中文"
	if got := mustEcho(t, s, ctx, text, "a", "", "b c"); got.Text != text || len(got.Items) != 3 {
		t.Fatalf("echo: %+v", got)
	}
	res, err := s.Invoke(ctx, Request{Name: "Test-Throw", Script: `throw 'boom'`})
	if err != nil || res.OK || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "boom") {
		t.Fatalf("throw: %+v %v", res, err)
	}
	var seen []int
	res, err = s.Invoke(ctx, Request{Name: "Test-Progress", Script: `foreach ($i in 1..2) { Write-Progress -Activity a -PercentComplete ($i * 40); Start-Sleep -Milliseconds 1300 }`,
		Timeout: 2 * time.Second, Inactivity: true, OnProgress: func(p int) { seen = append(seen, p) }})
	if err != nil || res.Err() != nil || len(seen) == 0 {
		t.Fatalf("progress: %v %v %v", err, res.Err(), seen)
	}
	res, err = s.Invoke(ctx, Request{Name: "Test-Sleep", Script: `Start-Sleep -Seconds 60`, Timeout: time.Second})
	var te *TimeoutError
	if !errors.As(err, &te) || te.Killed || !res.TimedOut {
		t.Fatalf("timeout: %v", err)
	}
	checkUndecodableRequest(t, s, ctx)
	err = invokeRaw(ctx, s, "Write-Output 'executed'", time.Minute)
	var nr *NoReplyError
	if !errors.As(err, &nr) || !strings.Contains(nr.StderrTail, "not a request") {
		t.Fatalf("a line that is not a request: %v", err)
	}
	if _, noise := s.Diagnostics(); strings.Contains(string(noise), "executed") {
		t.Fatalf("a line that is not a request was executed: %q", noise)
	}
	if got := mustEcho(t, s, ctx, "still here"); got.Text != "still here" {
		t.Fatalf("got %q", got.Text)
	}
	if s.Starts() != 1 {
		t.Fatalf("starts = %d, want 1", s.Starts())
	}
}
