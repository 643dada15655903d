package ps

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Progress frames, <nonce>:<id>:P:<percent>: only a request id, only
// 0..100 written canonically; anything else is a protocol error.
func TestProgressFrameReader(t *testing.T) {
	const nonce = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		line    string
		percent int
		bad     bool
	}{
		{line: ":7:P:0\n", percent: 0},
		{line: ":7:P:42\r\n", percent: 42},
		{line: ":7:P:100\n", percent: 100},
		{line: ":7:P:101\n", bad: true},
		{line: ":7:P:-1\n", bad: true},
		{line: ":7:P:042\n", bad: true},
		{line: ":7:P:\n", bad: true},
		{line: ":7:P:4x\n", bad: true},
		{line: ":READY:P:5\n", bad: true},
		{line: ":?:P:5\n", bad: true},
		{line: ":7:P:10000\n", bad: true},
	} {
		fr := newFrameReader(strings.NewReader(nonce+tc.line), nonce, 1<<20, io.Discard)
		f, err := fr.next()
		var pe *ProtocolError
		switch {
		case tc.bad && !errors.As(err, &pe):
			t.Errorf("%q: got %+v, %v; want a protocol error", tc.line, f, err)
		case !tc.bad && (err != nil || !f.progress || f.id != "7" || f.percent != tc.percent):
			t.Errorf("%q: got %+v, %v; want progress %d for id 7", tc.line, f, err, tc.percent)
		}
	}
}

// progressLog collects OnProgress calls (made on the reader's goroutine).
type progressLog struct {
	mu   sync.Mutex
	seen []int
}

func (p *progressLog) add(pct int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, pct)
}

func (p *progressLog) get() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// On real pwsh: a script's Write-Progress reaches Go as progress frames
// while it runs; with Inactivity each one restarts the timeout, in
// PowerShell and in Go's watchdog, so a script that keeps reporting runs
// past it; a script that reports nothing still times out, answered by
// PowerShell (host kept); without Inactivity progress extends nothing; and
// a script with $ProgressPreference = 'SilentlyContinue' sends none.
func TestRealProgressFrames(t *testing.T) {
	s := newRealSession(t) // Grace 3s: Go kills at timeout + 3s
	ctx := ctxWithin(t, 4*time.Minute)
	mustEcho(t, s, ctx, "warm")
	const timeout = 3 * time.Second
	// Six reports 1.5 s apart: 9 s in all, three times the timeout and
	// past timeout + Grace.
	const reporting = `foreach ($i in 1..6) { Write-Progress -Activity 'wurepair test' -PercentComplete ($i * 15); Start-Sleep -Milliseconds 1500 }; 'done'`

	t.Run("inactivity restarted by progress", func(t *testing.T) {
		var log progressLog
		started := time.Now()
		res, err := s.Invoke(ctx, Request{Name: "Test-Progress", Script: reporting, Timeout: timeout, Inactivity: true, OnProgress: log.add})
		if err != nil || res.Err() != nil {
			t.Fatalf("a script reporting progress every 1.5 s timed out with a %s inactivity timeout: %v %v (progress seen %v)", timeout, err, res.Err(), log.get())
		}
		got := log.get()
		if len(got) < 4 || !slices.IsSorted(got) || got[0] < 15 || got[len(got)-1] > 90 {
			t.Fatalf("progress seen %v, want most of 15, 30, ... 90 in order", got)
		}
		t.Logf("ran %s past a %s inactivity timeout; progress %v", time.Since(started).Round(time.Millisecond), timeout, got)
	})
	t.Run("silent script times out", func(t *testing.T) {
		var log progressLog
		started := time.Now()
		res, err := s.Invoke(ctx, Request{Name: "Test-Silent", Script: `Start-Sleep -Seconds 60`, Timeout: timeout, Inactivity: true, OnProgress: log.add})
		var te *TimeoutError
		if !errors.As(err, &te) || te.Killed || !res.TimedOut || !te.Inactivity || !strings.Contains(err.Error(), "no progress for 3s") {
			t.Fatalf("err = %v (timedOut %v), want a TimeoutError for inactivity answered by PowerShell", err, res.TimedOut)
		}
		if took := time.Since(started); took > timeout+s.opts.killMargin(timeout) {
			t.Fatalf("took %s", took)
		}
		if len(log.get()) != 0 {
			t.Fatalf("progress from a silent script: %v", log.get())
		}
	})
	t.Run("no inactivity: progress extends nothing", func(t *testing.T) {
		var log progressLog
		res, err := s.Invoke(ctx, Request{Name: "Test-Progress", Script: reporting, Timeout: timeout, OnProgress: log.add})
		var te *TimeoutError
		if !errors.As(err, &te) || te.Killed || !res.TimedOut || te.Inactivity {
			t.Fatalf("err = %v (timedOut %v), want the whole-run timeout", err, res.TimedOut)
		}
		if len(log.get()) == 0 {
			t.Fatal("no progress frames reached OnProgress")
		}
	})
	t.Run("SilentlyContinue sends none", func(t *testing.T) {
		var log progressLog
		script := `$ProgressPreference = 'SilentlyContinue'; foreach ($i in 1..3) { Write-Progress -Activity 'quiet' -PercentComplete ($i * 30); Start-Sleep -Milliseconds 1200 }; 'done'`
		res, err := s.Invoke(ctx, Request{Name: "Test-Quiet", Script: script, Timeout: time.Minute, OnProgress: log.add})
		if err != nil || res.Err() != nil {
			t.Fatalf("%v %v", err, res.Err())
		}
		if got := log.get(); len(got) != 0 {
			t.Fatalf("progress reached Go although the script silenced it: %v", got)
		}
	})
	if s.Starts() != 1 {
		t.Fatalf("starts = %d, want 1: no request may cost the host", s.Starts())
	}
	if _, noise := s.Diagnostics(); bytes.Contains(noise, []byte(":P:")) {
		t.Fatalf("progress frames leaked into noise: %q", noise)
	}
}
