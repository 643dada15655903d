package ps

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// A 64 MiB result must come through without deadlock and without costing
// more than 3x its size in memory. TotalAlloc counts every byte allocated
// while the request runs (garbage included), so it bounds the peak from
// above: a pass here is not flattered by a lucky GC.
func TestHugeResultMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB transfer; run without -short")
	}
	const size = 64 << 20
	s := newFakeSession(t, fakehost.Faults{HugeOutputBytes: size, StderrFloodBytes: 10 << 20})
	ctx := ctxWithin(t, 2*time.Minute)
	if _, err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := s.Invoke(ctx, echoRequest("big"))
	if err != nil {
		t.Fatal(err)
	}
	var out echoResult
	if err := res.Decode(&out); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if len(out.Text) != size || out.Length != size || strings.Trim(out.Text, "x") != "" {
		t.Fatalf("got %d bytes (Length %d)", len(out.Text), out.Length)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %.1f MiB for a %d MiB result (%.2fx)", float64(alloc)/(1<<20), size>>20, float64(alloc)/size)
	if alloc > 3*size {
		t.Fatalf("allocated %d bytes, more than 3x the %d-byte result", alloc, size)
	}
}
