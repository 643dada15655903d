package ps

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// invokeRaw sends line as request id (followed by its END line, as Invoke
// does) and returns the exchange's error: the hook for lines wurepair
// itself never writes.
func invokeRaw(ctx context.Context, s *Session, line string, deadline time.Duration) error {
	_, err := invokeRawFrame(ctx, s, line, deadline)
	return err
}

func invokeRawFrame(ctx context.Context, s *Session, line string, deadline time.Duration) (frame, error) {
	if err := s.acquire(ctx); err != nil {
		return frame{}, err
	}
	defer s.release()
	s.nextID++
	id := strconv.FormatUint(s.nextID, 10)
	c, err := s.ensure(ctx)
	if err != nil {
		return frame{}, err
	}
	f, _, err := s.exchange(ctx, c, []byte(line+"\r\n"), id, "raw line", deadline, id, nil)
	return f, err
}

// A request the host cannot decode is answered for id "?": that is the
// reply to the request in flight (an error envelope), not a protocol error.
func checkUndecodableRequest(t *testing.T, s *Session, ctx context.Context) {
	t.Helper()
	f, err := invokeRawFrame(ctx, s, "Invoke-WurRequest 'bm90IGpzb24='", time.Minute) // "not json"
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	res, err := decodeEnvelope(f.payload)
	if err != nil || f.id != "?" || res.OK || len(res.Errors) != 1 {
		t.Fatalf("frame %q: %+v, %v", f.id, res, err)
	}
	if got := mustEcho(t, s, ctx, "after ?"); got.Text != "after ?" {
		t.Fatalf("got %q", got.Text)
	}
}

func TestUndecodableRequestGetsAnErrorEnvelope(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	checkUndecodableRequest(t, s, ctxWithin(t, 30*time.Second))
}

// A line that is not a request gets no reply (the bootstrap's loop ignores
// it, on stderr), but its END line comes back: Invoke fails at once (not at
// the timeout) with the host's stderr, and the host stays usable.
func TestNoReplyFailsAtOnceWithStderr(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	ctx := ctxWithin(t, 30*time.Second)
	mustEcho(t, s, ctx, "before")
	err := invokeRaw(ctx, s, "Invoke-WurRequest 'abc' )", time.Minute)
	var nr *NoReplyError
	if !errors.Is(err, ErrNoReply) || !errors.As(err, &nr) {
		t.Fatalf("err = %v, want ErrNoReply", err)
	}
	if !strings.Contains(nr.StderrTail, "not a request") || strings.Contains(nr.StderrTail, ":SYNC:") {
		t.Fatalf("stderr tail = %q, want the ignored line without our marker", nr.StderrTail)
	}
	if got := mustEcho(t, s, ctx, "after"); got.Text != "after" {
		t.Fatalf("got %q", got.Text)
	}
	if s.Starts() != 1 {
		t.Fatalf("the host answered END and must be kept; started %d", s.Starts())
	}
}

// A host that died while idle is found before the request is written, so
// the request goes to a fresh host instead of failing.
func TestDeadIdleHostIsReplacedBeforeWriting(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{})
	ctx := ctxWithin(t, 30*time.Second)
	mustEcho(t, s, ctx, "first")
	s.mu.Lock()
	c := s.cur
	s.mu.Unlock()
	if err := c.proc.(Process).Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.exited
	writes := &countingWriter{w: c.stdin}
	c.stdin = writes
	if got := mustEcho(t, s, ctx, "second"); got.Text != "second" {
		t.Fatalf("got %q", got.Text)
	}
	if s.Starts() != 2 {
		t.Fatalf("starts = %d, want 2", s.Starts())
	}
	if writes.calls != 0 {
		t.Fatalf("%d writes to the dead host: it must be found dead before writing", writes.calls)
	}
}

type countingWriter struct {
	w     io.Writer
	calls int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.calls++
	return c.w.Write(p)
}

// A killed host's stderr stays in the error and in Diagnostics.
func TestTimeoutCarriesStderrAfterDrop(t *testing.T) {
	s := newFakeSession(t, fakehost.Faults{HangOnRequest: 1, StderrAtStart: "host said this before hanging"})
	req := echoRequest("hangs")
	req.Timeout = 200 * time.Millisecond
	_, err := s.Invoke(ctxWithin(t, 30*time.Second), req)
	var te *TimeoutError
	if !errors.As(err, &te) || !te.Killed || !strings.Contains(te.StderrTail, "host said this") {
		t.Fatalf("err = %v, want a killed TimeoutError with the stderr tail", err)
	}
	if stderr, _ := s.Diagnostics(); !strings.Contains(string(stderr), "host said this") {
		t.Fatalf("Diagnostics after the drop = %q", stderr)
	}
}

func TestKillMargin(t *testing.T) {
	o := Options{Exe: "x", Bootstrap: "x"}
	o.defaults()
	for _, tc := range []struct{ timeout, want time.Duration }{
		{time.Second, 30 * time.Second},
		{2 * time.Minute, 30 * time.Second},
		{10 * time.Minute, time.Minute},
		{time.Hour, 6 * time.Minute},
	} {
		if got := o.killMargin(tc.timeout); got != tc.want {
			t.Errorf("killMargin(%s) = %s, want %s", tc.timeout, got, tc.want)
		}
	}
	if o.ProcessStartTimeout < time.Minute || o.BootstrapTimeout < time.Minute {
		t.Errorf("startup budgets %s/%s: a cold 5.1 start needs minutes", o.ProcessStartTimeout, o.BootstrapTimeout)
	}
}

// A header that declares a large reply costs nothing until the bytes are
// there: the buffer grows as data arrives.
func TestReplyBufferGrowsWithData(t *testing.T) {
	const nonce = "0123456789abcdef0123456789abcdef"
	declared := 400 << 20
	in := nonce + ":1:" + strconv.Itoa(declared) + ":" + strings.Repeat("QUFB", 512<<10) // 2 MiB, then EOF
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fr := newFrameReader(strings.NewReader(in), nonce, 512<<20, newRing(0))
	_, err := fr.next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errCutShort) {
		t.Fatalf("err = %v, want errCutShort", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Fatalf("allocated %d bytes for 1.5 MiB of a reply declared as %d", alloc, declared)
	}
}

func TestDefaultMaxReplyFitsTheAddressSpace(t *testing.T) {
	got := defaultMaxReply()
	if strconv.IntSize == 32 && got > 128<<20 || got > 512<<20 || got < 64<<20 {
		t.Fatalf("defaultMaxReply() = %d on a %d-bit build", got, strconv.IntSize)
	}
}

// Startup has its own budgets; running out of one names the step and
// carries what the host wrote to stderr.
func TestStartupBudgetCarriesStderr(t *testing.T) {
	// The host writes to stderr at once, then would take 10 minutes: the
	// budget must run out, and must leave a loaded machine time to start
	// the host and carry its stderr (300 ms did not, in CI under load).
	const budget = 5 * time.Second
	opts := fakeScenario(t, fakehost.Faults{SlowStartMs: 600_000, StderrAtStart: "loading .NET, slowly"})
	opts.ProcessStartTimeout = budget
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Start(ctxWithin(t, 30*time.Second))
	var te *TimeoutError
	if !errors.As(err, &te) || te.Script != "startup (MODE)" || te.Timeout != budget || !strings.Contains(te.StderrTail, "loading .NET") {
		t.Fatalf("err = %v, want the MODE budget's TimeoutError with the stderr tail", err)
	}
}

// A bootstrap the host cannot run is known at once from its END line, with
// the host's stderr, not after the bootstrap budget.
func TestBrokenBootstrapFailsAtOnce(t *testing.T) {
	opts := fakeScenario(t, fakehost.Faults{})
	opts.Bootstrap = "# not the embedded bootstrap"
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Start(ctxWithin(t, 30*time.Second))
	var nr *NoReplyError
	if !errors.As(err, &nr) || nr.Script != "startup (READY)" || !strings.Contains(nr.StderrTail, "FakeHostUnknownBootstrap") {
		t.Fatalf("err = %v, want ErrNoReply for the bootstrap with its stderr", err)
	}
}
