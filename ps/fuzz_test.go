package ps

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const fuzzNonce = "0123456789abcdef0123456789abcdef"

func frameLine(id string, payload []byte, eol string) []byte {
	return []byte(fuzzNonce + ":" + id + ":" + strconv.Itoa(len(payload)) + ":" + base64.StdEncoding.EncodeToString(payload) + eol)
}

// FuzzFrameReader: whatever the host prints, the reader never panics, and
// every frame it returns is literally present in the input — noise, other
// nonces and broken frames never become results.
func FuzzFrameReader(f *testing.F) {
	f.Add(frameLine("1", []byte(`{"ok":true}`), "\n"))
	f.Add(frameLine("READY", []byte(`{}`), "\r\n"))
	f.Add([]byte(fuzzNonce + ":MODE:FullLanguage\r\n"))
	f.Add(append([]byte("PS C:\\> "), frameLine("2", []byte("x"), "\n")...))
	f.Add(append([]byte("noise\n"+fuzzNonce[:10]), frameLine("3", []byte("yy"), "\n")...))
	f.Add([]byte(fuzzNonce + ":4:10:aGVsbG8=\n"))
	f.Add([]byte(fuzzNonce + ":5:3:YWJj"))
	f.Add([]byte(fuzzNonce + ":6:P:42\r\n" + fuzzNonce + ":6:P:100\n" + fuzzNonce + ":6:P:101\n"))
	f.Add([]byte(fuzzNonce + ":END:7\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := newFrameReader(bytes.NewReader(data), fuzzNonce, 1<<16, io.Discard)
		for range 64 {
			fr2, err := fr.next()
			if err != nil {
				var pe *ProtocolError
				if !errors.Is(err, io.EOF) && !errors.Is(err, errCutShort) && !errors.As(err, &pe) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			var lit []byte
			switch {
			case fr2.id == "MODE":
				lit = []byte(fuzzNonce + ":MODE:" + fr2.mode)
			case fr2.id == "END":
				lit = []byte(fuzzNonce + ":END:" + fr2.end)
			case fr2.progress:
				if fr2.percent < 0 || fr2.percent > 100 || fr2.payload != nil {
					t.Fatalf("progress frame out of range: %+v", fr2)
				}
				lit = []byte(fuzzNonce + ":" + fr2.id + ":P:" + strconv.Itoa(fr2.percent))
			default:
				lit = frameLine(fr2.id, fr2.payload, "")
			}
			if !bytes.Contains(data, lit) {
				t.Fatalf("frame %q not in input", lit)
			}
		}
	})
}

// FuzzDecodeEnvelope: only valid JSON with the required fields is accepted,
// and every output item it yields is itself valid JSON. Whatever the fast
// parser accepts, encoding/json decodes to the same envelope.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"ok":true,"output":[{"a":1}],"errors":[],"warnings":[],"verbose":[],"information":[],"hadErrors":false,"timedOut":false,"durationMs":3}`))
	f.Add([]byte(`{"ok":false,"output":[],"errors":[{"message":"m","fqid":"X","hresult":-2147024891}],"hadErrors":true,"timedOut":false}`))
	f.Add([]byte(`{"ok":true}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(` { "ok" : true , "output" : [ null , "s\u00e9\"" , 1.5e-3 , [ ] , { "a" : [ true ] } ] , "warnings" : [ "w" ] , "verbose" : null , "hadErrors" : false , "timedOut" : true , "durationMs" : -0 } `))
	f.Add([]byte(`{"ok":true,"output":[{"Text":"\ud800x\n","Length":2}],"errors":null,"information":[],"hadErrors":false,"timedOut":false,"durationMs":9223372036854775807}`))
	f.Add([]byte(`{"OK":true,"ok":false,"output":{},"durationMs":1e3,"hadErrors":false,"timedOut":false}`))
	f.Add([]byte("{\"ok\":true,\"output\":[\"a\tb\xff\"],\"hadErrors\":false,\"timedOut\":false}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if fast, ok := parseEnvelope(data); ok {
			var slow wireEnvelope
			if err := json.Unmarshal(data, &slow); err != nil {
				t.Fatalf("fast parser accepted what encoding/json refuses (%v): %q", err, data)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast parser disagrees with encoding/json on %q:\n fast %#v\n json %#v", data, fast, slow)
			}
		}
		res, err := decodeEnvelope(data)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error is not ErrProtocol: %v", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for _, o := range res.Output {
			if !json.Valid(o) {
				t.Fatalf("output item %q is not valid JSON", o)
			}
		}
	})
}

// FuzzDecodeStrict: a result is accepted only when its keys are exactly the
// struct's, and never panics. Whatever the fast path accepts, encoding/json
// decodes to the same value.
func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(`{"Text":"a","Length":1,"Items":[]}`))
	f.Add([]byte(`{"Text":"a","Length":1}`))
	f.Add([]byte(`{"Text":"a","Length":1,"Items":[],"Extra":0}`))
	f.Add([]byte(`null`))
	f.Add([]byte(` {"Items":null, "Length":-0 ,"Text":"\u00e9\"\\"} `))
	f.Add([]byte(`{"text":"a","Length":1,"Items":[]}`))
	f.Add([]byte(`{"Text":"a","Text":"b","Length":1,"Items":[]}`))
	f.Add([]byte(`{"Text":1,"Length":"1","Items":["x",2]}`))
	f.Add([]byte("{\"Text\":\"\xff\xfe\",\"Length\":1e0,\"Items\":[\"\\ud83d\\ude42\"]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, slow echoResult
		if decodeStrictFast(data, &fast) {
			if err := decodeStrictJSON(data, &slow); err != nil {
				t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, data)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast path disagrees with encoding/json on %q:\n fast %#v\n json %#v", data, fast, slow)
			}
		}
		var v echoResult
		err := Result{Script: "fuzz", Output: []json.RawMessage{data}}.Decode(&v)
		if err == nil {
			var keys map[string]json.RawMessage
			if json.Unmarshal(data, &keys) != nil {
				return // e.g. null: encoding/json accepts it as "no change"
			}
			if len(keys) != 3 {
				t.Fatalf("accepted %d keys: %s", len(keys), data)
			}
		}
	})
}

// FuzzSkipValue: the fast validator accepts exactly the JSON that
// encoding/json accepts (short of nesting deeper than it goes), and a value
// ends where encoding/json ends it.
func FuzzSkipValue(f *testing.F) {
	for _, seed := range []string{`0`, `-0.5e+7`, `"a\"\\\/\b\f\n\r\t\u12aF"`, "\"\x00\"", "\"\xff\"", `[1,[2,{"a":null}],true,false]`,
		`{"a":1,}`, `[01]`, `1.`, `.5`, `"\u12"`, `tru`, ` {} `, `"` + strings.Repeat("x", 100) + "\x1f\""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		i := skipSpace(data, 0)
		end := skipValue(data, i, 1)
		ok := end >= 0 && skipSpace(data, end) == len(data)
		if valid := json.Valid(data); ok != valid && !(valid && end < 0 && tooDeep(data)) {
			t.Fatalf("skipValue says %v, json.Valid says %v for %q", ok, valid, data)
		}
		if ok {
			var raw json.RawMessage
			if err := json.Unmarshal(data, &raw); err != nil || !bytes.Equal(raw, data[i:end]) {
				t.Fatalf("skipValue reads %q, encoding/json %q (%v)", data[i:end], raw, err)
			}
		}
		if i < len(data) && data[i] == '"' {
			// The same string behind a long plain run, so that its bytes
			// straddle the end of the first scan window: same verdict,
			// same end; and where plainStringAt decodes it, encoding/json
			// decodes it alike.
			const pad = scanWindow - 3
			long := append(append([]byte(`"`), bytes.Repeat([]byte("y"), pad)...), data[i+1:]...)
			want, _ := skipString(data, i)
			got, _ := skipString(long, 0)
			if want >= 0 {
				want += pad - i
			}
			if got != want {
				t.Fatalf("skipString: %d for %q, %d with padding", want, data[i:], got)
			}
			for _, lit := range [][]byte{data[i:], long} {
				if end, str, ok := plainStringAt(lit, 0); ok {
					var dec string
					if err := json.Unmarshal(lit[:end], &dec); err != nil || dec != str {
						t.Fatalf("plainStringAt(%q) = %q, encoding/json: %q, %v", lit[len(lit)-len(data[i:]):], str, dec, err)
					}
				}
			}
		}
	})
}

// tooDeep reports input that nests more than the fast validator goes.
func tooDeep(data []byte) bool {
	return bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > maxFastDepth
}

// FuzzDecodeQuads: the fast base64 decoder accepts exactly what the strict
// standard decoder accepts for unpadded full quads without CR or LF (which
// the standard decoder would skip), with the same bytes.
func FuzzDecodeQuads(f *testing.F) {
	f.Add([]byte("QUJD"))
	f.Add([]byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xef, 0x00}, 40))))
	f.Add([]byte("QUJ=QUJD"))
	f.Add([]byte("QUJD\nQUJD"))
	f.Fuzz(func(t *testing.T, src []byte) {
		src = src[:len(src)/4*4]
		got := make([]byte, len(src)/4*3)
		ok := decodeQuads(got, src)
		want := make([]byte, len(src)/4*3)
		m, err := strictB64.Decode(want, src)
		wantOK := err == nil && m == len(want) && !bytes.ContainsAny(src, "\r\n")
		if ok != wantOK {
			t.Fatalf("decodeQuads(%q) = %v, encoding/base64: %d bytes, %v", src, ok, m, err)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("decodeQuads(%q) = %x, want %x", src, got, want)
		}
	})
}

// Frames large enough for the pipelined decoder: the same results and the
// same errors as small ones, and the stream stays usable after a good one.
func TestFrameReaderLargeFrames(t *testing.T) {
	payload := make([]byte, 3<<20+1) // n%3 == 1: the last quad is padded
	for i := range payload {
		payload[i] = byte(i*7 + i>>11)
	}
	good := frameLine("7", payload, "\r\n")
	enc := len(good) - len("\r\n")
	corrupt := func(at int, c byte) []byte {
		b := bytes.Clone(good)
		b[at] = c
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // "" = ok, else error text (or errCutShort)
	}{
		{"ok", append(bytes.Clone(good), frameLine("8", []byte("next"), "\n")...), ""},
		{"bad char", corrupt(2<<20, '*'), "not base64"},
		{"early newline", corrupt(3<<20, '\n'), "ends before its declared length"},
		{"bad last quad", corrupt(enc-3, '='), "not base64"},
		{"cut short", good[:2<<20], "cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := newFrameReader(bytes.NewReader(tc.data), fuzzNonce, 8<<20, io.Discard)
			f, err := fr.next()
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil || f.id != "7" || !bytes.Equal(f.payload, payload) {
				t.Fatalf("frame %q (%d bytes), %v", f.id, len(f.payload), err)
			}
			if f, err := fr.next(); err != nil || string(f.payload) != "next" {
				t.Fatalf("next frame %q, %v", f.payload, err)
			}
		})
	}
}
