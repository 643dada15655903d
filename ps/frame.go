package ps

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// frame is one nonce-prefixed line from the host.
type frame struct {
	id      string // request id, "MODE" or "READY" ("?" when the host could not read the request)
	mode    string // MODE only
	payload []byte // decoded bytes (JSON) for every other id
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
	lenField, err := fr.field(':', 19, "length")
	if err != nil {
		return frame{}, err
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

// payload decodes exactly n bytes from base64 read in large chunks.
func (fr *frameReader) payload(n int) ([]byte, error) {
	out := make([]byte, n)
	encLeft := base64.StdEncoding.EncodedLen(n)
	if fr.scratch == nil {
		fr.scratch = make([]byte, chunkEnc)
	}
	dst := out
	for encLeft > 0 {
		want := min(encLeft, chunkEnc)
		chunk := fr.scratch[:want]
		if _, err := io.ReadFull(fr.br, chunk); err != nil {
			return nil, cut(err)
		}
		if i := bytes.IndexAny(chunk, "\r\n"); i >= 0 {
			return nil, &ProtocolError{Detail: "reply frame ends before its declared length"}
		}
		encLeft -= want
		// Chunks are multiples of 4 characters, so each decodes on its own;
		// padding may only appear in the last one. Decode never writes past
		// dst: when a chunk could decode to more than what is left (the last
		// one, or a lying length), it goes through a bounded temporary.
		into := dst
		if len(dst) < want/4*3 {
			into = make([]byte, want/4*3)
		}
		m, err := strictB64.Decode(into, chunk)
		if err != nil {
			return nil, &ProtocolError{Detail: fmt.Sprintf("reply frame is not base64: %v", err)}
		}
		if m > len(dst) || (encLeft > 0 && m != want/4*3) {
			return nil, &ProtocolError{Detail: "reply frame decodes to a length other than declared"}
		}
		if &into[0] != &dst[0] {
			copy(dst, into[:m])
		}
		dst = dst[m:]
	}
	if len(dst) != 0 {
		return nil, &ProtocolError{Detail: "reply frame decodes to fewer bytes than declared"}
	}
	return out, nil
}

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

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

func validID(id string) bool {
	switch id {
	case "MODE", "READY", "?":
		return true
	}
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
