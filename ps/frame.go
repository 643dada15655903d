package ps

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// frame is one nonce-prefixed line from the host.
type frame struct {
	id      string // request id, "MODE", "READY", "END" ("?" when the host could not read the request)
	mode    string // MODE only
	end     string // END only: the id of the request whose END line this is
	payload []byte // decoded bytes (JSON) for every other id
	// progress: a progress frame <nonce>:<id>:P:<percent> for the request
	// id, percent 0..100; no payload.
	progress bool
	percent  int
}

const (
	maxIDLen   = 24
	maxModeLen = 64
	// chunkEnc is how many base64 characters are decoded per step: large
	// enough to run at memory speed, small enough to stay a fixed cost.
	chunkEnc = 256 << 10
)

// frameReader finds frames in the host's stdout. Everything else is noise,
// written to the noise sink with bounded memory.
type frameReader struct {
	br       *bufio.Reader
	prefix   []byte // "<nonce>:"
	maxBytes int    // largest decoded payload accepted
	noise    io.Writer
	scratch  []byte // reused base64 chunk buffer
}

func newFrameReader(r io.Reader, nonce string, maxBytes int, noise io.Writer) *frameReader {
	return &frameReader{
		br:       bufio.NewReaderSize(r, 64<<10),
		prefix:   []byte(nonce + ":"),
		maxBytes: maxBytes,
		noise:    noise,
	}
}

// errCutShort marks a stream that ended inside a frame.
var errCutShort = errors.New("reply cut short")

// next returns the next frame. io.EOF means the stream ended cleanly between
// frames; errCutShort that it ended inside one; a *ProtocolError that a
// frame was malformed (the stream position is then undefined).
func (fr *frameReader) next() (frame, error) {
	for {
		head, err := fr.br.Peek(len(fr.prefix))
		if bytes.Equal(head, fr.prefix) {
			_, _ = fr.br.Discard(len(fr.prefix))
			return fr.body()
		}
		if err != nil {
			if len(head) > 0 {
				_, _ = fr.noise.Write(head)
				_, _ = fr.br.Discard(len(head))
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			return frame{}, err
		}
		if err := fr.skipNoise(); err != nil {
			return frame{}, err
		}
	}
}

// skipNoise consumes noise up to the end of the line or up to a frame
// prefix that starts inside the line (text written without a newline before
// a reply, such as a prompt), whichever comes first.
func (fr *frameReader) skipNoise() error {
	for {
		if _, err := fr.br.Peek(1); err != nil {
			return err
		}
		buf, _ := fr.br.Peek(fr.br.Buffered())
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i+1]
		}
		if j := bytes.Index(buf[1:], fr.prefix); j >= 0 {
			n := j + 1
			_, _ = fr.noise.Write(buf[:n])
			_, _ = fr.br.Discard(n)
			return nil
		}
		if buf[len(buf)-1] == '\n' {
			_, _ = fr.noise.Write(buf)
			_, _ = fr.br.Discard(len(buf))
			return nil
		}
		// No newline yet: keep a possible partial prefix for the next round.
		keep := len(fr.prefix) - 1
		if len(buf) <= keep {
			if _, err := fr.br.Peek(len(buf) + 1); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				_, _ = fr.noise.Write(buf)
				_, _ = fr.br.Discard(len(buf))
				return err
			}
			continue
		}
		n := len(buf) - keep
		_, _ = fr.noise.Write(buf[:n])
		_, _ = fr.br.Discard(n)
	}
}

// field reads bytes up to sep (not included), at most max of them.
func (fr *frameReader) field(sep byte, max int, what string) (string, error) {
	var b []byte
	for {
		c, err := fr.br.ReadByte()
		if err != nil {
			return "", cut(err)
		}
		if c == sep {
			return string(b), nil
		}
		if c == '\n' || len(b) >= max {
			return "", &ProtocolError{Detail: fmt.Sprintf("malformed %s field in reply frame", what)}
		}
		b = append(b, c)
	}
}

func (fr *frameReader) body() (frame, error) {
	id, err := fr.field(':', maxIDLen, "id")
	if err != nil {
		return frame{}, err
	}
	if !validID(id) {
		return frame{}, &ProtocolError{Detail: fmt.Sprintf("reply frame has invalid id %q", id)}
	}
	if id == "MODE" {
		mode, err := fr.field('\n', maxModeLen, "mode")
		if err != nil {
			return frame{}, err
		}
		mode = trimCR(mode)
		if !isWord(mode) {
			return frame{}, &ProtocolError{Detail: fmt.Sprintf("language mode %q is not a word", mode)}
		}
		return frame{id: id, mode: mode}, nil
	}
	if id == "END" {
		end, err := fr.field('\n', maxIDLen, "end")
		if err != nil {
			return frame{}, err
		}
		end = trimCR(end)
		if !isDigits(end) {
			return frame{}, &ProtocolError{Detail: fmt.Sprintf("END line names invalid id %q", end)}
		}
		return frame{id: id, end: end}, nil
	}
	lenField, err := fr.field(':', 19, "length")
	if err != nil {
		return frame{}, err
	}
	if lenField == "P" {
		return fr.progressBody(id)
	}
	n, err := strconv.Atoi(lenField)
	if err != nil || n < 0 || lenField != strconv.Itoa(n) {
		return frame{}, &ProtocolError{Detail: fmt.Sprintf("reply frame length %q is not a number", lenField)}
	}
	if n > fr.maxBytes {
		return frame{}, &ProtocolError{Detail: fmt.Sprintf("reply of %d bytes exceeds the limit of %d", n, fr.maxBytes)}
	}
	payload, err := fr.payload(n)
	if err != nil {
		return frame{}, err
	}
	if err := fr.lineEnd(); err != nil {
		return frame{}, err
	}
	return frame{id: id, payload: payload}, nil
}

// payload decodes exactly n bytes from base64 read in large chunks: every
// quad but the last with decodeQuads, the last (which may be padded) with
// the strict standard decoder. The buffer grows as data arrives: a header
// that declares a large n costs nothing until the bytes are really there.
func (fr *frameReader) payload(n int) ([]byte, error) {
	out := make([]byte, 0, min(n, initialReplyCap))
	encLeft := base64.StdEncoding.EncodedLen(n) - 4 // before the last quad
	if encLeft < 0 {
		return out[:n], nil
	}
	if want := min(encLeft, chunkEnc); len(fr.scratch) < want {
		// Sized to the largest frame seen, up to chunkEnc: small replies
		// must not pay for a large buffer.
		fr.scratch = make([]byte, max(want, min(2*len(fr.scratch), chunkEnc), 512))
	}
	var err error
	if encLeft >= pipelineMin {
		if out, err = fr.pipelined(out, n, encLeft); err != nil {
			return nil, err
		}
		encLeft = 0
	}
	for encLeft > 0 {
		chunk := fr.scratch[:min(encLeft, chunkEnc)]
		if _, err := io.ReadFull(fr.br, chunk); err != nil {
			return nil, cut(err)
		}
		var dst []byte
		out, dst = grow(out, len(chunk)/4*3, n)
		if !decodeQuads(dst, chunk) {
			return nil, badBase64(chunk)
		}
		encLeft -= len(chunk)
	}
	var last [4]byte
	if _, err := io.ReadFull(fr.br, last[:]); err != nil {
		return nil, cut(err)
	}
	var tail [3]byte
	m, err := strictB64.Decode(tail[:], last[:])
	if err != nil || bytes.ContainsAny(last[:], "\r\n") {
		return nil, badBase64(last[:])
	}
	if len(out)+m != n {
		return nil, &ProtocolError{Detail: "reply frame decodes to a length other than declared"}
	}
	out, dst := grow(out, m, n)
	copy(dst, tail[:m])
	return out, nil
}

// initialReplyCap is where a reply buffer starts; it doubles (up to the
// declared length) as decoded bytes arrive.
const initialReplyCap = 64 << 10

// grow extends out by k bytes, reallocating when it is full, and returns
// the extended slice and its k new bytes. It doubles until an eighth of the
// declared length (limit) has really arrived, then takes the whole length:
// a header alone never costs more than 8 times the bytes behind it, and a
// real large reply costs about 1.25 times its size, not 2.
func grow(out []byte, k, limit int) ([]byte, []byte) {
	need := len(out) + k
	if need > cap(out) {
		c := max(2*cap(out), need)
		if need >= limit/8 {
			c = max(c, limit)
		}
		c = min(c, max(limit, need))
		nb := make([]byte, len(out), c)
		copy(nb, out)
		out = nb
	}
	out = out[:need]
	return out, out[need-k:]
}

const pipelineMin = 1 << 20

// pipelined decodes enc base64 bytes onto out (growing it, up to limit)
// while a goroutine reads the next chunks, so that the host keeps writing
// while we decode.
func (fr *frameReader) pipelined(out []byte, limit, enc int) ([]byte, error) {
	type msg struct {
		buf []byte
		err error
	}
	const nbuf = 4
	free := make(chan []byte, nbuf)
	full := make(chan msg, nbuf)
	stop := make(chan struct{})
	defer close(stop)
	for range nbuf {
		free <- make([]byte, chunkEnc)
	}
	go func() {
		for left := enc; left > 0; {
			var buf []byte
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			buf = buf[:min(left, chunkEnc)]
			_, err := io.ReadFull(fr.br, buf)
			full <- msg{buf, err}
			if err != nil {
				return
			}
			left -= len(buf)
		}
	}()
	for enc > 0 {
		m := <-full
		if m.err != nil {
			return nil, cut(m.err)
		}
		var dst []byte
		out, dst = grow(out, len(m.buf)/4*3, limit)
		if !decodeQuads(dst, m.buf) {
			return nil, badBase64(m.buf)
		}
		enc -= len(m.buf)
		free <- m.buf[:cap(m.buf)]
	}
	return out, nil
}

// badBase64 explains why chunk (a part of a frame's base64) is refused.
func badBase64(chunk []byte) error {
	if bytes.IndexByte(chunk, '\n') >= 0 || bytes.IndexByte(chunk, '\r') >= 0 {
		return &ProtocolError{Detail: "reply frame ends before its declared length"}
	}
	if _, err := strictB64.Decode(make([]byte, len(chunk)), chunk); err != nil {
		return &ProtocolError{Detail: fmt.Sprintf("reply frame is not base64: %v", err)}
	}
	return &ProtocolError{Detail: "reply frame decodes to a length other than declared"} // padding before the end
}

// decodeQuads decodes base64 made of full quads (len(src) a multiple of 4,
// no padding) into dst, which must hold len(src)/4*3 bytes. It reports
// false if src holds any other byte than the 64 of the standard alphabet
// (CR and LF included, which encoding/base64 would skip). About twice as
// fast as encoding/base64 on large inputs: four table lookups per quad
// and no per-quad branches.
func decodeQuads(dst, src []byte) bool {
	var bad uint32
	for len(src) >= 16 && len(dst) >= 12 {
		s, d := src[:16], dst[:12]
		a := b64q0[s[0]] | b64q1[s[1]] | b64q2[s[2]] | b64q3[s[3]]
		b := b64q0[s[4]] | b64q1[s[5]] | b64q2[s[6]] | b64q3[s[7]]
		c := b64q0[s[8]] | b64q1[s[9]] | b64q2[s[10]] | b64q3[s[11]]
		e := b64q0[s[12]] | b64q1[s[13]] | b64q2[s[14]] | b64q3[s[15]]
		bad |= a | b | c | e
		binary.BigEndian.PutUint64(d, uint64(a)<<40|uint64(b)<<16|uint64(c)>>8)
		binary.BigEndian.PutUint32(d[8:], c<<24|e)
		src, dst = src[16:], dst[12:]
	}
	for len(src) >= 4 && len(dst) >= 3 {
		a := b64q0[src[0]] | b64q1[src[1]] | b64q2[src[2]] | b64q3[src[3]]
		bad |= a
		dst[0], dst[1], dst[2] = byte(a>>16), byte(a>>8), byte(a)
		src, dst = src[4:], dst[3:]
	}
	return bad&b64Invalid == 0 && len(src) == 0
}

// b64qK[c] is the 6-bit value of character c placed for position K of a
// quad (bits 18-23, 12-17, 6-11, 0-5), or b64Invalid.
var b64q0, b64q1, b64q2, b64q3 = func() (q0, q1, q2, q3 [256]uint32) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range 256 {
		q0[i], q1[i], q2[i], q3[i] = b64Invalid, b64Invalid, b64Invalid, b64Invalid
	}
	for v, c := range []byte(alphabet) {
		q0[c], q1[c], q2[c], q3[c] = uint32(v)<<18, uint32(v)<<12, uint32(v)<<6, uint32(v)
	}
	return
}()

const b64Invalid = 0xff000000

// lineEnd accepts LF or CRLF.
func (fr *frameReader) lineEnd() error {
	c, err := fr.br.ReadByte()
	if err != nil {
		return cut(err)
	}
	if c == '\r' {
		if c, err = fr.br.ReadByte(); err != nil {
			return cut(err)
		}
	}
	if c != '\n' {
		return &ProtocolError{Detail: "reply frame is longer than its declared length"}
	}
	return nil
}

func cut(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", errCutShort, err)
	}
	return err
}

// progressBody reads the rest of a progress frame, <percent>, for id (a
// request id: progress comes only from a running script).
func (fr *frameReader) progressBody(id string) (frame, error) {
	pct, err := fr.field('\n', 4, "progress")
	if err != nil {
		return frame{}, err
	}
	pct = trimCR(pct)
	n, err := strconv.Atoi(pct)
	if !isDigits(id) || err != nil || n < 0 || n > 100 || pct != strconv.Itoa(n) {
		return frame{}, &ProtocolError{Detail: fmt.Sprintf("malformed progress frame %q for id %q", pct, id)}
	}
	return frame{id: id, progress: true, percent: n}, nil
}

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

func validID(id string) bool {
	switch id {
	case "MODE", "READY", "END", "?":
		return true
	}
	return isDigits(id)
}

func isDigits(id string) bool {
	if id == "" || len(id) > 18 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// strictB64 rejects non-canonical encodings (non-zero padding bits), which
// .NET's Convert.ToBase64String never writes.
var strictB64 = base64.StdEncoding.Strict()
