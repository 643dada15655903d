package ps

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
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
			if fr2.id == "MODE" {
				lit = []byte(fuzzNonce + ":MODE:" + fr2.mode)
			} else {
				lit = frameLine(fr2.id, fr2.payload, "")
			}
			if !bytes.Contains(data, lit) {
				t.Fatalf("frame %q not in input", lit)
			}
		}
	})
}

// FuzzDecodeEnvelope: only valid JSON with the required fields is accepted,
// and every output item it yields is itself valid JSON.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"ok":true,"output":[{"a":1}],"errors":[],"warnings":[],"verbose":[],"information":[],"hadErrors":false,"timedOut":false,"durationMs":3}`))
	f.Add([]byte(`{"ok":false,"output":[],"errors":[{"message":"m","fqid":"X","hresult":-2147024891}],"hadErrors":true,"timedOut":false}`))
	f.Add([]byte(`{"ok":true}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
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
// struct's, and never panics.
func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(`{"Text":"a","Length":1,"Items":[]}`))
	f.Add([]byte(`{"Text":"a","Length":1}`))
	f.Add([]byte(`{"Text":"a","Length":1,"Items":[],"Extra":0}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
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
