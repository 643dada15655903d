package ps

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bhendo/go-powershell/backend"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Seams for the watchdog race: a starter whose first host is slow to die
// (its Kill waits for the test) and whose stdout the test can hold back.

type seamStarter struct {
	inner      backend.Starter
	starts     atomic.Int32
	killing    chan struct{} // closed when the first host's Kill begins
	allowKill  chan struct{} // the first host's Kill proceeds once closed
	gate       chan struct{} // while holdOutput, stdout reads wait for it
	holdOutput atomic.Bool
	wroteAfter chan struct{} // a request written to the first host after its Kill began
}

func (s *seamStarter) StartProcess(cmd string, args ...string) (backend.Waiter, io.Writer, io.Reader, io.Reader, error) {
	p, in, out, errr, err := s.inner.StartProcess(cmd, args...)
	if err != nil || s.starts.Add(1) != 1 {
		return p, in, out, errr, err
	}
	var once sync.Once
	return &slowKill{Process: p.(Process), s: s, once: &once},
		&watchedWriter{WriteCloser: in.(io.WriteCloser), s: s},
		&gatedReader{ReadCloser: out.(io.ReadCloser), s: s}, errr, nil
}

type slowKill struct {
	Process
	s    *seamStarter
	once *sync.Once
}

func (k *slowKill) Kill() error {
	k.once.Do(func() {
		close(k.s.killing)
		<-k.s.allowKill
	})
	return k.Process.Kill()
}

type gatedReader struct {
	io.ReadCloser
	s *seamStarter
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.s.holdOutput.Load() {
		<-g.s.gate
	}
	return g.ReadCloser.Read(p)
}

type watchedWriter struct {
	io.WriteCloser
	s *seamStarter
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	select {
	case <-w.s.killing:
		select {
		case w.s.wroteAfter <- struct{}{}:
		default:
		}
	default:
	}
	return w.WriteCloser.Write(p)
}

// A request whose watchdog fired returns only once its host is gone: the
// next request must never be written to a host that is being killed (it
// would fail as "host died" although the host was fine until we killed it).
func TestTimedOutHostIsNeverReused(t *testing.T) {
	opts := fakeScenario(t, fakehost.Faults{})
	st := &seamStarter{inner: opts.Starter, killing: make(chan struct{}), allowKill: make(chan struct{}),
		gate: make(chan struct{}), wroteAfter: make(chan struct{}, 1)}
	opts.Starter = st
	opts.Grace = time.Millisecond
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := ctxWithin(t, time.Minute)
	mustEcho(t, s, ctx, "warm")

	// Request 1: its reply is held back until the watchdog has fired and
	// begun killing the host; then it arrives, before the kill completes.
	st.holdOutput.Store(true)
	first := make(chan error, 1)
	go func() {
		req := echoRequest("one")
		req.Timeout = 50 * time.Millisecond
		_, err := s.Invoke(ctx, req)
		first <- err
	}()
	<-st.killing
	st.holdOutput.Store(false)
	close(st.gate)

	// Without the fix, request 1 returns now and request 2 is written to
	// the dying host. With it, request 1 waits for the kill: give it a
	// bounded chance to return early, then let the kill finish.
	var err1 error
	returned := false
	select {
	case err1 = <-first:
		returned = true
	case <-time.After(300 * time.Millisecond): // a deadline, not a wait for an event that must happen
	}
	second := make(chan error, 1)
	if returned {
		go func() {
			_, err := s.Invoke(ctx, echoRequest("two"))
			second <- err
		}()
		select {
		case <-st.wroteAfter:
			t.Error("request 2 was written to the host being killed")
		case err := <-second:
			second <- err
		case <-time.After(2 * time.Second):
		}
	}
	close(st.allowKill)
	if !returned {
		err1 = <-first
		go func() {
			_, err := s.Invoke(ctx, echoRequest("two"))
			second <- err
		}()
	}
	if !errors.Is(err1, ErrTimeout) {
		t.Fatalf("request 1: %v, want a timeout", err1)
	}
	if err := <-second; err != nil {
		t.Fatalf("request 2 must run on a fresh host: %v", err)
	}
	if s.Starts() != 2 {
		t.Fatalf("starts = %d, want 2", s.Starts())
	}
}
