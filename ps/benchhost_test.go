package ps

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Minimal helper-process hosts for the benchmarks (bench_test.go). Each one
// is this test binary re-executed with envBenchHost set (dispatch in
// TestMain) and does as little as its protocol allows, with every reply
// precomputed at startup, so that the benchmarks time the Go client side and
// the pipes, not a simulation. They are deliberately not tests/fakehost,
// which validates and simulates and is far slower per request.
const (
	envBenchHost  = "WUREPAIR_TEST_BENCH_HOST"  // "ours", "raw", "rawframe" or "bhendo"
	envBenchBytes = "WUREPAIR_TEST_BENCH_BYTES" // result size; 0 = no-op reply
)

// benchNonce is the nonce the raw variants' prebuilt frames carry. (The
// session makes its own random nonce; only the "ours" host must echo it.)
const benchNonce = "0123456789abcdef0123456789abcdef"

// benchEnvelope is the JSON envelope the bootstrap would write for a script
// that returned nothing (n == 0) or one object {"Text": n times "x"}.
func benchEnvelope(n int) []byte {
	const head = `{"ok":true,"output":[`
	const tail = `],"errors":[],"warnings":[],"verbose":[],"information":[],"hadErrors":false,"timedOut":false,"durationMs":0}`
	if n == 0 {
		return []byte(head + tail)
	}
	b := make([]byte, 0, len(head)+len(tail)+n+16)
	b = append(b, head...)
	b = append(b, `{"Text":"`...)
	b = append(b, bytes.Repeat([]byte{'x'}, n)...)
	b = append(b, `"}`...)
	return append(b, tail...)
}

// benchFrameTail is a reply frame for envelope(n) without "<nonce>:<id>":
// ":<len>:<base64>\n".
func benchFrameTail(n int) []byte {
	env := benchEnvelope(n)
	ln := strconv.Itoa(len(env))
	b := make([]byte, 0, 1+len(ln)+1+base64.StdEncoding.EncodedLen(len(env))+1)
	b = append(b, ':')
	b = append(b, ln...)
	b = append(b, ':')
	b = base64.StdEncoding.AppendEncode(b, env)
	return append(b, '\n')
}

// benchRawFrame is the complete frame for id 1 under benchNonce: the very
// bytes the "ours" host writes for a result of n bytes.
func benchRawFrame(n int) []byte {
	return append([]byte(benchNonce+":1"), benchFrameTail(n)...)
}

// benchHostMain runs one of the helper hosts and returns its exit code.
func benchHostMain(mode string) int {
	n, err := strconv.Atoi(os.Getenv(envBenchBytes))
	if err != nil && os.Getenv(envBenchBytes) != "" {
		fmt.Fprintf(os.Stderr, "benchhost: bad %s: %v\n", envBenchBytes, err)
		return 64
	}
	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	switch mode {
	case "ours":
		return benchOursHost(in, os.Stdout, n)
	case "raw":
		var reply []byte // n == 0: echo
		if n > 0 {
			reply = benchRawPayload(n)
		}
		return benchRawHost(in, os.Stdout, reply)
	case "rawframe":
		return benchRawHost(in, os.Stdout, benchRawFrame(n))
	case "bhendo":
		return benchBhendoHost(in, os.Stdout, os.Stderr, n)
	}
	fmt.Fprintf(os.Stderr, "benchhost: unknown mode %q\n", mode)
	return 64
}

// readLine returns the next input line; ok is false at end of input.
func readLine(in *bufio.Reader) (line []byte, ok bool) {
	line, err := in.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // a long bootstrap line: not needed whole
		for err == bufio.ErrBufferFull {
			_, err = in.ReadSlice('\n')
		}
		return line, err == nil
	}
	return line, err == nil || len(line) > 0
}

// benchOursHost speaks our protocol: MODE, READY, and for every request the
// precomputed frame for envelope(n), addressed to the request's id.
func benchOursHost(in *bufio.Reader, out io.Writer, n int) int {
	tail := benchFrameTail(n)
	big := len(tail) > 64<<10
	var nonce []byte
	var buf []byte
	const reqHead = "Invoke-WurRequest '"
	for {
		line, ok := readLine(in)
		if !ok {
			return 0
		}
		switch {
		case bytes.HasPrefix(line, []byte(reqHead)):
			id := benchRequestID(line[len(reqHead):])
			buf = append(append(append(buf[:0], nonce...), ':'), id...)
			if big { // don't copy a large frame just to write it once
				_, _ = out.Write(buf)
				_, _ = out.Write(tail)
				continue
			}
			buf = append(buf, tail...)
			_, _ = out.Write(buf)
		case len(line) > 38 && line[0] == '\'' && bytes.HasPrefix(line[33:], []byte(":END:")): // '<nonce>:END:<id>'
			end := bytes.IndexByte(line[1:], '\'')
			_, _ = out.Write(append(append([]byte(nil), line[1:1+end]...), '\n'))
		case len(line) > 33 && line[0] == '\'' && line[33] == ':': // '<nonce>:MODE:' + ...
			nonce = append([]byte(nil), line[1:33]...)
			_, _ = out.Write(append(append([]byte(nil), nonce...), ":MODE:FullLanguage\n"...))
		case bytes.HasPrefix(line, []byte(". (")): // bootstrap
			_, _ = out.Write(append(append([]byte(nil), nonce...), ":READY:2:e30=\n"...)) // {}
		case bytes.HasPrefix(line, []byte("exit")):
			return 0
		}
	}
}

// benchRequestID finds the id in a request line's base64 without decoding
// all of it: json.Marshal writes {"id":"<digits>", first.
func benchRequestID(b64 []byte) []byte {
	var js [36]byte
	enc := b64[:min(48, len(b64))]
	enc = enc[:len(enc)/4*4]
	m, _ := base64.StdEncoding.Decode(js[:], enc)
	rest, ok := bytes.CutPrefix(js[:m], []byte(`{"id":"`))
	if !ok {
		return []byte("?")
	}
	if i := bytes.IndexByte(rest, '"'); i > 0 {
		return rest[:i]
	}
	return []byte("?")
}

// benchRawHost is the floor: it answers every line with the prebuilt reply,
// or echoes the line back when reply is nil.
func benchRawHost(in *bufio.Reader, out io.Writer, reply []byte) int {
	for {
		line, ok := readLine(in)
		if !ok {
			return 0
		}
		if reply != nil {
			_, _ = out.Write(reply)
			continue
		}
		_, _ = out.Write(line)
	}
}

// benchRawPayload is n bytes of "x".
func benchRawPayload(n int) []byte { return bytes.Repeat([]byte{'x'}, n) }

// benchBhendoHost speaks go-powershell's boundary protocol. For each line
//
//	<cmd>; echo '<out>'; [Console]::Error.WriteLine('<err>')\r\n
//
// it writes n bytes of "x" (none for n == 0) and "<out>\r\n" to stdout and
// "<err>\r\n" to stderr, which is what PowerShell would print for a command
// producing that output.
func benchBhendoHost(in *bufio.Reader, out, errw io.Writer, n int) int {
	payload := benchRawPayload(n)
	var ob, eb []byte
	for {
		line, ok := readLine(in)
		if !ok {
			return 0
		}
		outB, errB, ok := bhendoBoundaries(string(line))
		if !ok {
			if strings.HasPrefix(string(line), "exit") {
				return 0
			}
			continue
		}
		if n > 0 {
			_, _ = out.Write(payload)
		}
		ob = append(append(ob[:0], outB...), "\r\n"...)
		eb = append(append(eb[:0], errB...), "\r\n"...)
		_, _ = out.Write(ob)
		_, _ = errw.Write(eb)
	}
}

func bhendoBoundaries(line string) (out, err string, ok bool) {
	const echo, ewl = "; echo '", "; [Console]::Error.WriteLine('"
	i := strings.LastIndex(line, echo)
	j := strings.LastIndex(line, ewl)
	if i < 0 || j < i {
		return "", "", false
	}
	out, _, ok1 := strings.Cut(line[i+len(echo):], "'")
	err, _, ok2 := strings.Cut(line[j+len(ewl):], "'")
	return out, err, ok1 && ok2
}
