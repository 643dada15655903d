package ps

import (
	"bytes"
	"sync"
	"time"
)

// ring keeps the last size bytes written to it, and counts everything.
// It is what stderr and noise lines are drained into: bounded whatever the
// host prints, so a flood can neither deadlock the pipe nor grow memory.
type ring struct {
	mu    sync.Mutex
	buf   []byte
	start int // index of the oldest byte when full
	full  bool
	total int64
	// changed is closed (and forgotten) by the next Write: waitFor's signal.
	changed chan struct{}
}

func newRing(size int) *ring { return &ring{buf: make([]byte, 0, size)} }

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	r.total += int64(n)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
	size := cap(r.buf)
	if size == 0 {
		return n, nil
	}
	if len(p) >= size {
		r.buf = append(r.buf[:0], p[len(p)-size:]...)
		r.start, r.full = 0, true
		return n, nil
	}
	if !r.full {
		room := size - len(r.buf)
		if len(p) <= room {
			r.buf = append(r.buf, p...)
			return n, nil
		}
		r.buf = append(r.buf, p[:room]...)
		p = p[room:]
		r.full = true
		r.start = 0
	}
	for len(p) > 0 {
		c := copy(r.buf[r.start:], p)
		p = p[c:]
		r.start = (r.start + c) % size
	}
	return n, nil
}

// Bytes returns the kept tail, oldest first.
func (r *ring) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]byte(nil), r.buf...)
	}
	out := make([]byte, 0, len(r.buf))
	out = append(out, r.buf[r.start:]...)
	return append(out, r.buf[:r.start]...)
}

// Total is how many bytes were ever written.
func (r *ring) Total() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// waitFor waits until the kept tail contains marker, or d passed; it
// reports whether the marker arrived.
func (r *ring) waitFor(marker []byte, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		changed := r.changed
		r.mu.Unlock()
		if bytes.Contains(r.Bytes(), marker) {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}
