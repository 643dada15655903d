package ps

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"testing"

	powershell "github.com/bhendo/go-powershell"
	"github.com/bhendo/go-powershell/backend"
)

// Benchmarks: our session layer against the floor (a raw pipe to a helper
// process) and against github.com/bhendo/go-powershell. Every variant talks
// to this test binary re-executed as a minimal helper host (benchhost_test.go),
// so all of them pay the same process and pipe costs. See docs/performance.md
// for results and how to run them:
//
//	go test -run '^$' -bench . -benchmem -count=1 ./ps

// envBenchDefaultGC, when set, runs go-powershell's large-result benchmark
// with the collector as configured (GOGC) instead of nearly off.
const envBenchDefaultGC = "WUREPAIR_BENCH_DEFAULT_GC"

// noopRequest is the request the "ours" variants send; the helper host
// ignores the script and answers with its precomputed envelope.
var noopRequest = Request{Name: "Noop", Script: "$null"}

type benchText struct {
	Text string `json:"Text"`
}

func benchStarter(b *testing.B, mode string, n int) (exe string, st *LocalStarter) {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	return exe, &LocalStarter{Env: []string{envBenchHost + "=" + mode, envBenchBytes + "=" + strconv.Itoa(n)}}
}

// newBenchSession starts a Session on the "ours" helper host answering every
// request with envelope(n).
func newBenchSession(b *testing.B, n int) *Session {
	b.Helper()
	exe, st := benchStarter(b, "ours", n)
	s, err := New(Options{Exe: exe, Bootstrap: "# benchmark: the helper host does not run it", Starter: st})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

// rawHost is a helper process driven directly over its pipes: the floor.
type rawHost struct {
	stdin  io.Writer
	stdout io.Reader     // the pipe itself, for io.Copy
	lines  *bufio.Reader // over stdout, for line echo
}

func startRaw(b *testing.B, mode string, n int) *rawHost {
	b.Helper()
	exe, st := benchStarter(b, mode, n)
	proc, stdin, stdout, stderr, err := st.StartProcess(exe)
	if err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	b.Cleanup(func() {
		closeIfCloser(stdin)
		_ = proc.Wait()
	})
	return &rawHost{stdin: stdin, stdout: stdout, lines: bufio.NewReaderSize(stdout, 64<<10)}
}

// bhendoStarter starts the bhendo helper host whatever go-powershell asks
// for ("powershell.exe -NoExit -Command -").
type bhendoStarter struct {
	exe string
	st  *LocalStarter
}

func (s bhendoStarter) StartProcess(string, ...string) (backend.Waiter, io.Writer, io.Reader, io.Reader, error) {
	return s.st.StartProcess(s.exe)
}

func newBhendoShell(b *testing.B, n int) powershell.Shell {
	b.Helper()
	exe, st := benchStarter(b, "bhendo", n)
	sh, err := powershell.New(bhendoStarter{exe: exe, st: st})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sh.Exit)
	return sh
}

// BenchmarkRoundTrip: one request that does nothing, reply included.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=ours", func(b *testing.B) {
		s := newBenchSession(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			res, err := s.Invoke(ctx, noopRequest)
			if err != nil {
				b.Fatal(err)
			}
			if !res.OK || len(res.Output) != 0 {
				b.Fatalf("unexpected result %+v", res)
			}
		}
	})
	b.Run("impl=rawpipe", func(b *testing.B) {
		// The floor: write one line, read the same line back. The line is
		// the very request line Invoke writes, so the bytes per trip are
		// close to ours (ours reads a ~240-byte frame instead).
		h := startRaw(b, "raw", 0)
		line, err := requestLine("1", noopRequest, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.stdin.Write(line); err != nil {
				b.Fatal(err)
			}
			got, err := h.lines.ReadSlice('\n')
			if err != nil || len(got) != len(line) {
				b.Fatalf("echo: %d bytes, %v", len(got), err)
			}
		}
	})
	b.Run("impl=bhendo", func(b *testing.B) {
		sh := newBhendoShell(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			out, _, err := sh.Execute("")
			if err != nil || out != "" {
				b.Fatalf("Execute: %q, %v", out, err)
			}
		}
	})
}

// BenchmarkLargeResult: one result object with an n-byte string field,
// delivered into a Go string. MB/s counts those n result bytes for every
// variant (so MB/s ratios are time ratios), whatever the variant moves over
// its pipe: ours and rawcopy-frame move the base64 frame (4/3 n), rawcopy
// and bhendo n bytes.
func BenchmarkLargeResult(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{8 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("size=%dMiB", n>>20), func(b *testing.B) {
			b.Run("impl=ours", func(b *testing.B) {
				// Frame read + base64 + envelope decode + Result.Decode.
				s := newBenchSession(b, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					res, err := s.Invoke(ctx, noopRequest)
					if err != nil {
						b.Fatal(err)
					}
					var v benchText
					if err := res.Decode(&v); err != nil {
						b.Fatal(err)
					}
					if len(v.Text) != n {
						b.Fatalf("got %d bytes", len(v.Text))
					}
				}
			})
			b.Run("impl=rawcopy", func(b *testing.B) {
				// The floor: io.Copy of n bytes from the helper's stdout.
				benchRawCopy(b, "raw", n, n)
			})
			b.Run("impl=rawcopy-frame", func(b *testing.B) {
				// io.Copy of the exact frame bytes ours reads.
				benchRawCopy(b, "rawframe", n, benchRawFrameLen(n))
			})
			if n > 8<<20 {
				return // go-powershell's reader is quadratic: 8 MiB is plenty
			}
			b.Run("impl=bhendo", func(b *testing.B) {
				// One iteration takes far longer than -benchtime, so b.Loop
				// runs it once. Its reader concatenates 64-byte reads into a
				// growing string: n*n/128 bytes copied (512 GiB at 8 MiB),
				// nearly all garbage. Unless told otherwise, the collector
				// runs only every 512 MiB meanwhile, which makes it ~3x
				// faster than with the default GOGC: only in its favour, to
				// keep the whole run short.
				if os.Getenv(envBenchDefaultGC) == "" {
					defer debug.SetGCPercent(debug.SetGCPercent(-1))
					defer debug.SetMemoryLimit(debug.SetMemoryLimit(512 << 20))
				}
				sh := newBhendoShell(b, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					out, _, err := sh.Execute("big")
					if err != nil || len(out) != n {
						b.Fatalf("Execute: %d bytes, %v", len(out), err)
					}
				}
			})
		})
	}
}

func benchRawCopy(b *testing.B, mode string, n, wire int) {
	h := startRaw(b, mode, n)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.stdin.Write([]byte("go\n")); err != nil {
			b.Fatal(err)
		}
		if m, err := io.Copy(io.Discard, io.LimitReader(h.stdout, int64(wire))); err != nil || m != int64(wire) {
			b.Fatalf("copied %d of %d bytes: %v", m, wire, err)
		}
	}
}

// benchRawFrameLen is len(benchRawFrame(n)), without building it.
func benchRawFrameLen(n int) int {
	env := len(benchEnvelope(0)) + len(`{"Text":""}`) + n
	return len(benchNonce) + len(":1:") + len(strconv.Itoa(env)) + 1 + base64.StdEncoding.EncodedLen(env) + 1
}

// BenchmarkDecodeReply is the Go-side share of the "ours" variants without
// process or pipe: the frame reader over an in-memory frame, envelope
// decode and (for a result) Result.Decode.
func BenchmarkDecodeReply(b *testing.B) {
	for _, n := range []int{0, 8 << 20, 64 << 20} {
		name := fmt.Sprintf("size=%dMiB", n>>20)
		if n == 0 {
			name = "size=noop"
		}
		b.Run(name, func(b *testing.B) {
			frame := benchRawFrame(n)
			src := bytes.NewReader(frame)
			fr := newFrameReader(src, benchNonce, 512<<20, io.Discard)
			if n > 0 {
				b.SetBytes(int64(n))
			}
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(frame)
				fr.br.Reset(src)
				f, err := fr.next()
				if err != nil {
					b.Fatal(err)
				}
				res, err := decodeEnvelope(f.payload)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					continue
				}
				var v benchText
				if err := res.Decode(&v); err != nil || len(v.Text) != n {
					b.Fatalf("decode: %d bytes, %v", len(v.Text), err)
				}
			}
		})
	}
}
