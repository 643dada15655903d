package ps

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// ErrorRecord is one PowerShell ErrorRecord, reduced to stable data.
// Message is localized and for humans only: decisions use FQID, Category,
// HResult and ExceptionType.
type ErrorRecord struct {
	Message       string `json:"message"`
	FQID          string `json:"fqid"`
	Category      string `json:"category"`
	Target        string `json:"target"`
	Position      string `json:"position"`
	HResult       int64  `json:"hresult"`
	ExceptionType string `json:"exceptionType"`
	Stack         string `json:"stack"`
}

// Result is one script's reply.
type Result struct {
	ID          string
	Script      string
	OK          bool
	Output      []json.RawMessage
	Errors      []ErrorRecord
	Warnings    []string
	Verbose     []string
	Information []string
	HadErrors   bool
	TimedOut    bool
	Duration    time.Duration // as measured inside PowerShell
}

// Err returns a *ScriptError when the script reported errors, else nil.
func (r Result) Err() error {
	if r.OK {
		return nil
	}
	return &ScriptError{Script: r.Script, Records: r.Errors}
}

// Decode decodes the script's single result object into v, which must be a
// pointer to a struct. It is strict both ways: a field the script returns
// that v does not declare, or a field v declares (without omitempty) that
// the script did not return, is an error. A script and its Go type cannot
// drift apart silently.
func (r Result) Decode(v any) error {
	if len(r.Output) != 1 {
		return &ProtocolError{Detail: fmt.Sprintf("%s returned %d objects, want exactly 1", r.Script, len(r.Output))}
	}
	if err := decodeStrict(r.Output[0], v); err != nil {
		return &ProtocolError{Detail: fmt.Sprintf("%s result does not match its Go type: %v", r.Script, err)}
	}
	return nil
}

// DecodeAll decodes every output object into a slice (v: pointer to slice of
// structs), each strictly as Decode does.
func (r Result) DecodeAll(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("DecodeAll needs a pointer to a slice, got %T", v)
	}
	sl := reflect.MakeSlice(rv.Elem().Type(), len(r.Output), len(r.Output))
	for i, raw := range r.Output {
		if err := decodeStrict(raw, sl.Index(i).Addr().Interface()); err != nil {
			return &ProtocolError{Detail: fmt.Sprintf("%s result %d does not match its Go type: %v", r.Script, i, err)}
		}
	}
	rv.Elem().Set(sl)
	return nil
}

func decodeStrict(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return err
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	var keys map[string]ignored
	if err := json.Unmarshal(raw, &keys); err != nil {
		return err
	}
	want := structKeys(t.Elem())
	for k := range keys {
		if _, ok := want[strings.ToLower(k)]; !ok {
			return fmt.Errorf("unexpected field %q", k)
		}
	}
	for lk, f := range want {
		if f.optional {
			continue
		}
		found := false
		for k := range keys {
			if strings.ToLower(k) == lk {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("missing field %q", f.name)
		}
	}
	return nil
}

// ignored skips a JSON value without copying it.
type ignored struct{}

func (*ignored) UnmarshalJSON([]byte) error { return nil }

type keyInfo struct {
	name     string
	optional bool
}

// structKeys lists the JSON keys of a struct's exported fields, lower-cased
// (encoding/json matches keys case-insensitively).
func structKeys(t reflect.Type) map[string]keyInfo {
	out := make(map[string]keyInfo, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[strings.ToLower(name)] = keyInfo{name: name, optional: strings.Contains(opts, "omitempty")}
	}
	return out
}

// aliasRaw keeps a JSON value as a slice of the reply buffer instead of a
// copy: a 64 MiB result then costs its reply buffer once. Safe because
// json.Unmarshal passes subslices of its input, and the reply buffer is
// owned by one Result and never written again.
type aliasRaw []byte

func (a *aliasRaw) UnmarshalJSON(b []byte) error {
	*a = b
	return nil
}

// wireEnvelope is the JSON the bootstrap writes. Pointers mark the fields
// that must be present.
type wireEnvelope struct {
	OK          *bool         `json:"ok"`
	Output      []aliasRaw    `json:"output"`
	Errors      []ErrorRecord `json:"errors"`
	Warnings    []string      `json:"warnings"`
	Verbose     []string      `json:"verbose"`
	Information []string      `json:"information"`
	HadErrors   *bool         `json:"hadErrors"`
	TimedOut    *bool         `json:"timedOut"`
	DurationMs  int64         `json:"durationMs"`
}

// decodeEnvelope parses a reply payload.
func decodeEnvelope(data []byte) (Result, error) {
	var w wireEnvelope
	if err := json.Unmarshal(data, &w); err != nil {
		return Result{}, &ProtocolError{Detail: fmt.Sprintf("reply envelope is not valid JSON: %v", err)}
	}
	if w.OK == nil || w.HadErrors == nil || w.TimedOut == nil {
		return Result{}, &ProtocolError{Detail: "reply envelope lacks ok, hadErrors or timedOut"}
	}
	output := make([]json.RawMessage, len(w.Output))
	for i, o := range w.Output {
		if len(o) == 0 {
			return Result{}, &ProtocolError{Detail: fmt.Sprintf("reply envelope output %d is empty", i)}
		}
		output[i] = json.RawMessage(o)
	}
	return Result{
		OK:          *w.OK,
		Output:      output,
		Errors:      w.Errors,
		Warnings:    w.Warnings,
		Verbose:     w.Verbose,
		Information: w.Information,
		HadErrors:   *w.HadErrors,
		TimedOut:    *w.TimedOut,
		Duration:    time.Duration(w.DurationMs) * time.Millisecond,
	}, nil
}
