package ps

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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
	if decodeStrictFast(raw, v) {
		return nil
	}
	return decodeStrictJSON(raw, v)
}

// decodeStrictJSON is decodeStrict with encoding/json alone.
func decodeStrictJSON(raw []byte, v any) error {
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
	named := make(map[string]string, len(keys))
	for k := range keys {
		lk := strings.ToLower(k)
		if _, ok := want[lk]; !ok {
			return fmt.Errorf("unexpected field %q", k)
		}
		// encoding/json fills one field from keys that differ only in
		// case ("Text", "TeXt"): a result never has both.
		if other, dup := named[lk]; dup {
			return fmt.Errorf("field %q given twice (%q)", other, k)
		}
		named[lk] = k
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
	w, ok := parseEnvelope(data)
	if !ok {
		w = wireEnvelope{}
		if err := json.Unmarshal(data, &w); err != nil {
			return Result{}, &ProtocolError{Detail: fmt.Sprintf("reply envelope is not valid JSON: %v", err)}
		}
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

// Fast paths. encoding/json scans its input byte by byte several times
// over (validate, then decode; skip values it hands to an Unmarshaler;
// unquote strings), which makes a 64 MiB reply cost about a second. The
// functions below find the same values with bytes.IndexByte-speed string
// skipping, for the shapes the bootstrap and our scripts actually produce.
// They are strict and never decide alone: when the input is anything but
// plainly valid in the expected shape (escaped, duplicate or differently
// cased keys, unexpected value types, deep nesting, invalid UTF-8 in a
// decoded string...), they report !ok and the encoding/json path above
// decides, errors included. Fuzz tests check that whatever they accept,
// encoding/json accepts with the same result.

// maxFastDepth bounds the fast validator's nesting; deeper input goes to
// encoding/json (which allows 10000 levels).
const maxFastDepth = 512

// envelopeKeys are the members of wireEnvelope, in the bit order of seen.
var envelopeKeys = [...]string{"ok", "output", "errors", "warnings", "verbose", "information", "hadErrors", "timedOut", "durationMs"}

// parseEnvelope is json.Unmarshal(data, &w) for the common case.
func parseEnvelope(data []byte) (w wireEnvelope, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return w, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return w, skipSpace(data, i+1) == len(data)
	}
	var seen uint16
	for {
		key, next, ok := plainKey(data, i)
		if !ok {
			return w, false
		}
		k := -1
		for j, name := range envelopeKeys {
			if string(key) == name {
				k = j
				break
			}
		}
		if k < 0 || seen&(1<<k) != 0 {
			return w, false
		}
		seen |= 1 << k
		end, ok := w.member(envelopeKeys[k], data, next)
		if !ok {
			return w, false
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return w, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return w, skipSpace(data, i+1) == len(data)
		default:
			return w, false
		}
	}
}

// member decodes the value of key at data[i]; end is just past it.
func (w *wireEnvelope) member(key string, data []byte, i int) (end int, ok bool) {
	if key == "output" { // split while validated: one pass over a large result
		w.Output, end, ok = rawItems(data, i)
		return end, ok
	}
	end = skipValue(data, i, 1)
	if end < 0 {
		return 0, false
	}
	val := data[i:end]
	switch key {
	case "ok":
		w.OK, ok = jsonBool(val)
	case "hadErrors":
		w.HadErrors, ok = jsonBool(val)
	case "timedOut":
		w.TimedOut, ok = jsonBool(val)
	case "durationMs":
		w.DurationMs, ok = jsonInt64(val)
	case "errors":
		ok = jsonSlice(val, &w.Errors)
	case "warnings":
		ok = jsonSlice(val, &w.Warnings)
	case "verbose":
		ok = jsonSlice(val, &w.Verbose)
	case "information":
		ok = jsonSlice(val, &w.Information)
	}
	return end, ok
}

// plainKey reads `"key"` and the colon after it at data[i]; ok is false for
// keys with escapes (encoding/json would unescape them).
func plainKey(data []byte, i int) (key []byte, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	end, plain := skipString(data, i)
	if end < 0 || !plain {
		return nil, 0, false
	}
	next = skipSpace(data, end)
	if next >= len(data) || data[next] != ':' {
		return nil, 0, false
	}
	return data[i+1 : end-1], skipSpace(data, next+1), true
}

// jsonBool decodes a *bool member as encoding/json does, except null.
func jsonBool(val []byte) (*bool, bool) {
	switch string(val) {
	case "true":
		t := true
		return &t, true
	case "false":
		f := false
		return &f, true
	}
	return nil, false
}

// jsonInt64 decodes an integer literal; fractions and exponents, which
// encoding/json refuses for an int64, go to it.
func jsonInt64(val []byte) (int64, bool) {
	for _, c := range val {
		if !(c >= '0' && c <= '9' || c == '-') {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(val), 10, 64)
	return n, err == nil
}

// jsonSlice decodes a slice member: [] and null directly (as encoding/json
// would: an empty, non-nil slice, or nil), anything else through it.
func jsonSlice[T any](val []byte, dst *[]T) bool {
	switch {
	case string(val) == "null":
		return true
	case len(val) >= 2 && val[0] == '[' && skipSpace(val, 1) == len(val)-1:
		*dst = []T{}
		return true
	case val[0] == '[':
		return json.Unmarshal(val, dst) == nil
	}
	return false
}

// rawItems validates the array (or null) at data[i] and splits it into its
// items, as []aliasRaw decodes; end is just past it.
func rawItems(data []byte, i int) (items []aliasRaw, end int, ok bool) {
	if end := skipLiteral(data, i, "null"); end > 0 {
		return nil, end, true
	}
	if i >= len(data) || data[i] != '[' {
		return nil, 0, false
	}
	items = []aliasRaw{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return items, i + 1, true
	}
	for {
		end := skipValue(data, i, 2)
		if end < 0 {
			return nil, 0, false
		}
		items = append(items, aliasRaw(data[i:end:end]))
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, 0, false
		}
		switch data[i] {
		case ']':
			return items, i + 1, true
		case ',':
			i = skipSpace(data, i+1)
		default:
			return nil, 0, false
		}
	}
}

// decodeStrictFast is decodeStrict for a pointer to a plain struct and a
// flat object whose keys are exactly its field names: each member decodes
// into its field (plain strings directly, anything else with encoding/json,
// which decodes a member the same alone as inside its object). It reports
// false, having changed nothing, whenever the full path must decide.
func decodeStrictFast(raw []byte, v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	plan := fastPlanOf(rv.Elem().Type())
	if plan == nil {
		return false
	}
	type member struct {
		field int
		val   []byte
		str   string // the decoded value, when plain
		plain bool
	}
	var buf [16]member
	members := buf[:0]
	var seen [64]bool // fastPlanOf refuses structs with more fields
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		i++
	} else {
		for {
			key, next, ok := plainKey(raw, i)
			if !ok {
				return false
			}
			f, ok := plan.index[string(key)]
			if !ok || seen[f] {
				return false // unknown, differently cased or repeated: full path
			}
			seen[f] = true
			m := member{field: f}
			end := -1
			if plan.fields[f].str && next < len(raw) && raw[next] == '"' {
				end, m.str, m.plain = plainStringAt(raw, next)
			}
			if !m.plain {
				if end = skipValue(raw, next, 1); end < 0 {
					return false
				}
			}
			m.val = raw[next:end]
			members = append(members, m)
			i = skipSpace(raw, end)
			if i >= len(raw) {
				return false
			}
			if raw[i] == '}' {
				i++
				break
			}
			if raw[i] != ',' {
				return false
			}
			i = skipSpace(raw, i+1)
		}
	}
	if skipSpace(raw, i) != len(raw) {
		return false
	}
	for f, fp := range plan.fields {
		if !fp.optional && !seen[f] {
			return false // missing: the full path words the error
		}
	}
	// From here on v changes. A member encoding/json refuses makes the
	// full path run again over v and report the error as it always did.
	sv := rv.Elem()
	for _, m := range members {
		fp := plan.fields[m.field]
		fv := sv.Field(fp.index)
		if m.plain {
			fv.SetString(m.str)
			continue
		}
		if json.Unmarshal(m.val, fv.Addr().Interface()) != nil {
			return false
		}
	}
	return true
}

type fastField struct {
	index    int  // struct field index
	str      bool // type is exactly string
	optional bool // omitempty
}

// fastPlan maps a struct's JSON keys to its fields when the struct is plain
// enough for decodeStrictFast: no embedded fields, no ",string" options,
// names made of letters, digits and '_', no two fields with one name.
type fastPlan struct {
	index  map[string]int
	fields []fastField
}

// fastPlans caches fastPlanOf, a pure function of the type (as encoding/json
// caches its codecs): no state of any session or request lives here.
var fastPlans sync.Map // reflect.Type -> *fastPlan (nil: not plain)

var stringType = reflect.TypeFor[string]()

func fastPlanOf(t reflect.Type) *fastPlan {
	if p, ok := fastPlans.Load(t); ok {
		return p.(*fastPlan)
	}
	p := buildFastPlan(t)
	fastPlans.Store(t, p)
	return p
}

func buildFastPlan(t reflect.Type) *fastPlan {
	if t.NumField() > 64 {
		return nil
	}
	p := &fastPlan{index: map[string]int{}}
	lower := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			return nil
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		for _, o := range strings.Split(opts, ",") {
			if o != "" && o != "omitempty" {
				return nil
			}
		}
		if !plainName(name) || lower[strings.ToLower(name)] {
			return nil
		}
		lower[strings.ToLower(name)] = true
		p.index[name] = len(p.fields)
		p.fields = append(p.fields, fastField{index: i, str: f.Type == stringType, optional: strings.Contains(opts, "omitempty")})
	}
	return p
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// A validating skipper: each returns the index just past the value that
// starts at data[i], or -1 if it is not valid JSON (or nests deeper than
// maxFastDepth). Whitespace is JSON's: space, tab, CR, LF.

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func skipValue(data []byte, i, depth int) int {
	if i >= len(data) {
		return -1
	}
	switch c := data[i]; {
	case c == '"':
		end, _ := skipString(data, i)
		return end
	case c == '{':
		if depth > maxFastDepth {
			return -1
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return i + 1
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return -1
			}
			if i, _ = skipString(data, i); i < 0 {
				return -1
			}
			i = skipSpace(data, i)
			if i >= len(data) || data[i] != ':' {
				return -1
			}
			if i = skipValue(data, skipSpace(data, i+1), depth+1); i < 0 {
				return -1
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return -1
			}
			switch data[i] {
			case '}':
				return i + 1
			case ',':
				i = skipSpace(data, i+1)
			default:
				return -1
			}
		}
	case c == '[':
		if depth > maxFastDepth {
			return -1
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return i + 1
		}
		for {
			if i = skipValue(data, i, depth+1); i < 0 {
				return -1
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return -1
			}
			switch data[i] {
			case ']':
				return i + 1
			case ',':
				i = skipSpace(data, i+1)
			default:
				return -1
			}
		}
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(data, i)
	}
	return -1
}

func skipLiteral(data []byte, i int, lit string) int {
	if len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// skipNumber: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(data []byte, i int) int {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// skipString skips the string literal at data[i] (a '"'); plain reports
// that it has no escapes. It finds quotes and backslashes with
// bytes.IndexByte and checks the bytes between them for control characters
// a word at a time, one window at a time so that the passes after the first
// read from cache: a long string costs about one pass at memory speed.
// Bytes >= 0x80 are not checked: encoding/json accepts invalid UTF-8 in
// strings too (and replaces it when it decodes them, see decodeStrictFast).
func skipString(data []byte, i int) (end int, plain bool) {
	i++
	plain = true
	q, known := i, false // known: data[q] is the next '"'; else none in data[i:q]
	for {
		if q < i || (!known && q == i) {
			from := max(i, q)
			lim := min(len(data), from+scanWindow)
			if k := bytes.IndexByte(data[from:lim], '"'); k >= 0 {
				q, known = from+k, true
			} else if lim == from {
				return -1, false // no closing quote
			} else {
				q, known = lim, false
			}
		}
		seg := data[i:q]
		b := bytes.IndexByte(seg, '\\')
		if b >= 0 {
			seg = seg[:b]
		}
		if hasControl(seg) {
			return -1, false
		}
		if b < 0 {
			if known {
				return q + 1, plain
			}
			i = q
			continue
		}
		plain = false
		i += b
		if i+1 >= len(data) {
			return -1, false
		}
		switch data[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if len(data)-i < 6 {
				return -1, false
			}
			for _, h := range data[i+2 : i+6] {
				if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
					return -1, false
				}
			}
			i += 6
		default:
			return -1, false
		}
	}
}

// scanWindow is how much of a long string skipString and plainStringAt
// look at per step: small enough to stay in cache between their passes.
const scanWindow = 64 << 10

// plainStringAt decodes the string literal at data[i] (a '"') if it is
// plain: no escapes, no control characters, valid UTF-8, so that its
// contents are its value, exactly as encoding/json would decode it. ok is
// false otherwise, whether the literal is invalid or just not plain. A long
// string is checked and copied one window at a time: one pass from memory,
// and the goroutine stays preemptible (a 64 MiB copy in one go is not).
func plainStringAt(data []byte, i int) (end int, s string, ok bool) {
	q := bytes.IndexByte(data[i+1:], '"')
	if q < 0 {
		return 0, "", false
	}
	b := data[i+1 : i+1+q] // the contents, if there is no escaped quote
	end = i + 2 + q
	if len(b) <= scanWindow {
		if !plainChunk(b) {
			return 0, "", false
		}
		return end, string(b), true
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		n := min(len(b), scanWindow)
		for n < len(b) && n > scanWindow-utf8.UTFMax && !utf8.RuneStart(b[n]) {
			n-- // do not split a character (nor accept one split)
		}
		if !plainChunk(b[:n]) {
			return 0, "", false
		}
		sb.Write(b[:n])
		b = b[n:]
	}
	return end, sb.String(), true
}

func plainChunk(b []byte) bool {
	return bytes.IndexByte(b, '\\') < 0 && !hasControl(b) && utf8.Valid(b)
}

// hasControl reports whether b holds a byte below 0x20, which JSON strings
// may not contain unescaped.
func hasControl(b []byte) bool {
	const highs, lim = 0x8080808080808080, 0x20 * 0x0101010101010101
	for len(b) >= 32 {
		w0 := binary.LittleEndian.Uint64(b)
		w1 := binary.LittleEndian.Uint64(b[8:])
		w2 := binary.LittleEndian.Uint64(b[16:])
		w3 := binary.LittleEndian.Uint64(b[24:])
		// (w - 0x20 in each byte) &^ w has a byte's high bit set iff some
		// byte of w is below 0x20 (the "hasless" bit trick; exact as a
		// yes/no answer: a borrow only flags bytes above a flagged one).
		if ((w0-lim)&^w0|(w1-lim)&^w1|(w2-lim)&^w2|(w3-lim)&^w3)&highs != 0 {
			break
		}
		b = b[32:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}
