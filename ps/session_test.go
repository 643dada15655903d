package ps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/wurepair/wurepair/tests/fakehost"
)

func ctxWithin(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustEcho(t *testing.T, s *Session, ctx context.Context, text string, items ...string) echoResult {
	t.Helper()
	res, err := s.Invoke(ctx, echoRequest(text, items...))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if err := res.Err(); err != nil {
		t.Fatalf("script error: %v", err)
	}
	var out echoResult
	if err := res.Decode(&out); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return out
}

func TestStartReportsHostFacts(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	facts, err := s.Start(ctxWithin(t, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := fakehost.DefaultHost()
	if facts.PSVersion != want.PSVersion || facts.LanguageMode != "FullLanguage" || !facts.Is64BitOS || facts.OSBuild != want.OSBuild || facts.PID == 0 {
		t.Fatalf("facts = %+v", facts)
	}
}

func TestLineEndings(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		t.Run(fmt.Sprintf("crlf=%v", crlf), func(t *testing.T) {
			s := newFakeSession(t, fakehost.Faults{CRLF: crlf})
			got := mustEcho(t, s, ctxWithin(t, 30*time.Second), "line endings")
			if got.Text != "line endings" {
				t.Fatalf("got %q", got.Text)
			}
		})
	}
}

// Parameters travel as data: whatever they hold reaches the script
// byte-exact and never becomes script text.
func TestParametersArriveByteExact(t *testing.T) {
	cases := map[string]string{
		"single quote":  `it's'`,
		"double quote":  `say "hi"`,
		"curly quotes":  "\u2018a\u2019 \u201ab\u201b \u201cc\u201d",
		"subexpression": `$(Remove-Item C:\ -Recurse)`,
		"backticks":     "`n`0``",
		"semicolon":     `x'; Stop-Computer; '`,
		"newlines":      "a\nb\r\nc\r",
		"nul":           "a\x00b",
		"french":        "Mise à jour échouée : « wuauserv » ne répond pas — réessayez",
		"cjk and emoji": "更新失败 🙂",
		"empty":         "",
		"iso date":      "2024-01-02T03:04:05Z", // pwsh's ConvertFrom-Json would make a DateTime of it
		"mixed":         "'\"\u2018\u2019\u201a\u201b$()`;\n\x00",
	}
	s := newFakeSession(t, fakehost.Faults{})
	ctx := ctxWithin(t, 60*time.Second)
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			got := mustEcho(t, s, ctx, text, text, "second")
			if got.Text != text {
				t.Fatalf("text: got %q want %q", got.Text, text)
			}
			if want := len(utf16.Encode([]rune(text))); got.Length != want {
				t.Fatalf("length: got %d want %d", got.Length, want)
			}
			if len(got.Items) != 2 || got.Items[0] != text || got.Items[1] != "second" {
				t.Fatalf("items: got %q", got.Items)
			}
			line, err := requestLine("1", echoRequest(text), time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^Invoke-WurRequest '[A-Za-z0-9+/=]*'\r\n$`).Match(line) {
				t.Fatalf("request line is not pure base64: %q", line)
			}
		})
	}
	if s.Starts() != 1 {
		t.Fatalf("one session should serve every request, started %d", s.Starts())
	}
}

func TestHungRequestTimesOutAndNextInvokeRestarts(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{HangOnRequest: 2})
	ctx := ctxWithin(t, 60*time.Second)
	mustEcho(t, s, ctx, "first")

	const timeout = 500 * time.Millisecond
	req := echoRequest("hangs")
	req.Timeout = timeout
	// The session must give up by itself well before this deadline.
	hangCtx := ctxWithin(t, timeout+2*time.Second)
	_, err := s.Invoke(hangCtx, req)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	var te *TimeoutError
	if !errors.As(err, &te) || !te.Killed || te.Script != "Test-WurEcho" {
		t.Fatalf("timeout error = %#v", err)
	}
	if got := mustEcho(t, s, ctx, "after"); got.Text != "after" {
		t.Fatalf("got %q", got.Text)
	}
	if s.Starts() != 2 {
		t.Fatalf("starts = %d, want 2 (fresh host after the kill)", s.Starts())
	}
}

func TestCrashMidReplyIsHostDied(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{CrashOnRequest: 1})
	_, err := s.Invoke(ctxWithin(t, 30*time.Second), echoRequest("boom"))
	if !errors.Is(err, ErrHostDied) {
		t.Fatalf("err = %v, want ErrHostDied", err)
	}
	var hd *HostDiedError
	if !errors.As(err, &hd) {
		t.Fatalf("not a HostDiedError: %v", err)
	}
	if hd.ExitCode != 3 || !strings.Contains(hd.StderrTail, "StackOverflowException") || !errors.Is(err, errCutShort) {
		t.Fatalf("HostDiedError = %+v", hd)
	}
}

func TestExitAtStartIsHostDied(t *testing.T) {
	code := 0
	s := newFakeSession(t, fakehost.Faults{ExitAtStart: &code, StderrAtStart: "stub powershell"})
	_, err := s.Start(ctxWithin(t, 30*time.Second))
	var hd *HostDiedError
	if !errors.As(err, &hd) || hd.During != "startup (MODE)" || !strings.Contains(hd.StderrTail, "stub powershell") {
		t.Fatalf("err = %v", err)
	}
}

func TestConstrainedLanguageIsRefusedQuickly(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{}, func(sc *fakehost.Scenario) { sc.Host.LanguageMode = "ConstrainedLanguage" })
	_, err := s.Start(ctxWithin(t, 5*time.Second))
	if !errors.Is(err, ErrConstrainedLanguage) {
		t.Fatalf("err = %v, want ErrConstrainedLanguage", err)
	}
	if !strings.Contains(err.Error(), "ConstrainedLanguage") {
		t.Fatalf("message should name the mode: %v", err)
	}
}

func TestGarbageNeverPassesAsResult(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{Garbage: true, PromptNoise: true, French: true})
	ctx := ctxWithin(t, 30*time.Second)
	for i := range 3 {
		text := fmt.Sprintf("real %d", i)
		if got := mustEcho(t, s, ctx, text); got.Text != text {
			t.Fatalf("got %q want %q", got.Text, text)
		}
	}
	_, noise := s.Diagnostics()
	// The tail is bounded (64 KiB): the 200 KiB junk line pushed the first
	// garbage out; what followed it must be there.
	if len(noise) > 64<<10 || !strings.Contains(string(noise), "AVERTISSEMENT") || !strings.Contains(string(noise), `PS C:\Windows\system32> `) {
		t.Fatalf("noise tail (%d bytes) lacks the last noise: %q", len(noise), noise[max(0, len(noise)-300):])
	}
}

func TestWrongIDIsProtocolError(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{WrongID: true})
	res, err := s.Invoke(ctxWithin(t, 30*time.Second), echoRequest("x"))
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("err = %v, want ErrProtocol", err)
	}
	if len(res.Output) != 0 {
		t.Fatalf("a wrong-id reply passed as a result: %v", res)
	}
}

func TestStderrFloodDoesNotBlock(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{StderrFloodBytes: 10 << 20})
	ctx := ctxWithin(t, 60*time.Second)
	for range 2 {
		mustEcho(t, s, ctx, "still here")
	}
	stderr, _ := s.Diagnostics()
	if len(stderr) == 0 || len(stderr) > 64<<10 {
		t.Fatalf("stderr tail is %d bytes, want 1..64KiB", len(stderr))
	}
}

func TestFrenchHostRoundTrips(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{French: true}, func(sc *fakehost.Scenario) { sc.Host.Culture, sc.Host.UICulture = "fr-FR", "fr-FR" })
	text := "Le service « Windows Update » n'a pas démarré ; réessayez à 14 h 30."
	res, err := s.Invoke(ctxWithin(t, 30*time.Second), echoRequest(text))
	if err != nil {
		t.Fatal(err)
	}
	var out echoResult
	if err := res.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Text != text || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "écho") {
		t.Fatalf("text %q warnings %q", out.Text, res.Warnings)
	}
	if s.Facts().Culture != "fr-FR" {
		t.Fatalf("culture %q", s.Facts().Culture)
	}
}

func TestConcurrentCallersAreSerialized(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	ctx := ctxWithin(t, 60*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf("caller %d", i)
			res, err := s.Invoke(ctx, echoRequest(text))
			if err != nil {
				errs <- err
				return
			}
			var out echoResult
			if err := res.Decode(&out); err != nil || out.Text != text {
				errs <- fmt.Errorf("caller %d got %q (%v)", i, out.Text, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestParamsRejectedAsPowerShellWould(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	req := echoRequest("x")
	req.Params["Bogus"] = "y"
	res, err := s.Invoke(ctxWithin(t, 30*time.Second), req)
	if err != nil {
		t.Fatal(err)
	}
	var se *ScriptError
	if !errors.As(res.Err(), &se) || !strings.HasPrefix(se.Records[0].FQID, "NamedParameterNotFound") {
		t.Fatalf("want NamedParameterNotFound, got %v", res.Err())
	}
}

func TestCloseInterruptsAndRefuses(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{HangOnRequest: 1})
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := s.Invoke(context.Background(), echoRequest("hang"))
		done <- err
	}()
	<-started
	// Wait until the hung request is really in flight (the host started).
	ctx := ctxWithin(t, 30*time.Second)
	for s.Starts() == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("host never started")
		case <-time.After(time.Millisecond):
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("in-flight Invoke: %v, want ErrClosed", err)
		}
	case <-ctx.Done():
		t.Fatal("Close did not interrupt the in-flight Invoke")
	}
	if _, err := s.Invoke(ctx, echoRequest("after")); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestContextCancelStopsHost(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{HangOnRequest: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Invoke(ctx, echoRequest("x"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// A request whose context ended before anything was written leaves the
// idle host alone: the next request does not pay for a restart.
func TestCancelledBeforeWriteKeepsHost(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	ctx := ctxWithin(t, 30*time.Second)
	mustEcho(t, s, ctx, "first")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for range 20 { // acquire may pick either ready case: try both often
		if _, err := s.Invoke(cancelled, echoRequest("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	}
	mustEcho(t, s, ctx, "second")
	if s.Starts() != 1 {
		t.Fatalf("starts = %d, want 1: a cancelled request killed an idle host", s.Starts())
	}
}

func TestMissingExecutable(t *testing.T) {
	opts := fakeScenario(t, fakehost.Faults{})
	opts.Exe = "/nonexistent/powershell.exe"
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Start(ctxWithin(t, 10*time.Second))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
