package fakehost

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// ErrorRecord mirrors what the bootstrap's ConvertTo-WurErrorRecord writes.
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

type envelope struct {
	OK          bool          `json:"ok"`
	Output      []any         `json:"output"`
	Errors      []ErrorRecord `json:"errors"`
	Warnings    []string      `json:"warnings"`
	Verbose     []string      `json:"verbose"`
	Information []string      `json:"information"`
	HadErrors   bool          `json:"hadErrors"`
	TimedOut    bool          `json:"timedOut"`
	DurationMs  int64         `json:"durationMs"`
}

func newEnvelope() *envelope {
	return &envelope{Output: []any{}, Errors: []ErrorRecord{}, Warnings: []string{}, Verbose: []string{}, Information: []string{}}
}

// Call is one script invocation as a verb simulation sees it.
type Call struct {
	Name      string
	Params    map[string]any
	CheckMode bool // $WhatIfPreference: actions must change nothing
	Host      *Host
	Machine   *Machine

	output      []any
	errors      []ErrorRecord
	warnings    []string
	information []string
	// Elapsed is the simulated run time; past the request's timeout the
	// bootstrap stops the script and reports timedOut.
	Elapsed time.Duration
}

// Out adds an object to the pipeline output.
func (c *Call) Out(v any) { c.output = append(c.output, v) }

// Fail adds an error record (a non-terminating error, or the terminating
// one that ended the script).
func (c *Call) Fail(r ErrorRecord) { c.errors = append(c.errors, r) }

// Warn adds a warning.
func (c *Call) Warn(s string) { c.warnings = append(c.warnings, s) }

// Info adds an information record.
func (c *Call) Info(s string) { c.information = append(c.information, s) }

// Str returns a string parameter ("" when absent).
func (c *Call) Str(name string) string { s, _ := c.Params[name].(string); return s }

// Bool returns a bool parameter.
func (c *Call) Bool(name string) bool { b, _ := c.Params[name].(bool); return b }

// Int returns an int parameter, or def when absent.
func (c *Call) Int(name string, def int) int {
	switch n := c.Params[name].(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	}
	return def
}

// Strs returns a string[] parameter.
func (c *Call) Strs(name string) []string {
	a, _ := c.Params[name].([]any)
	out := make([]string, 0, len(a))
	for _, v := range a {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// Verb simulates one embedded script.
type Verb func(c *Call)

var idRe = regexp.MustCompile(`^[0-9]{1,18}$`)

type wireRequest struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Script    string         `json:"script"`
	Params    map[string]any `json:"params"`
	TimeoutMs *int64         `json:"timeoutMs"`
	CheckMode *bool          `json:"checkMode"`
}

func (h *Host) request(b64 string) (int, bool) {
	started := time.Now()
	f := h.sc.Faults
	h.requests++
	n := h.requests
	env := newEnvelope()
	id := "?"
	req, err := decodeRequest(b64)
	if err == nil && idRe.MatchString(req.ID) {
		id = req.ID
	}
	if f.ExitOnRequest == n {
		return 1, true
	}
	if f.HangOnRequest == n {
		hang()
	}
	if err != nil {
		// The bootstrap's catch: an error envelope for id "?".
		env.Errors = append(env.Errors, ErrorRecord{Message: err.Error(), FQID: "WurBadRequest", Category: "InvalidData", ExceptionType: "System.ArgumentException", HResult: -2147024809})
	} else {
		h.invoke(req, env)
	}
	env.DurationMs = time.Since(started).Milliseconds()
	h.beforeReply()
	if f.WrongID {
		id += "7"
	}
	if f.CrashOnRequest == n {
		js, _ := marshalPS(env)
		full := base64.StdEncoding.EncodeToString(js)
		h.out.WriteString(h.nonce + ":" + id + ":" + strconv.Itoa(len(js)) + ":" + full[:len(full)/2])
		h.out.Flush()
		fmt.Fprintf(h.errw, "Process is terminated due to StackOverflowException.%s", h.eol)
		return 3, true
	}
	h.frame(id, env)
	return 0, false
}

func decodeRequest(b64 string) (*wireRequest, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("Exception calling \"FromBase64String\": %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var req wireRequest
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("ConvertFrom-Json: Invalid JSON primitive: %w", err)
	}
	switch {
	case req.Name == "" || req.Script == "":
		return &req, errors.New("request lacks name or script")
	case req.TimeoutMs == nil || *req.TimeoutMs <= 0 || *req.TimeoutMs > 1<<31-1:
		return &req, errors.New("request timeoutMs must be a positive Int32 (WaitOne takes an int)")
	case req.CheckMode == nil:
		return &req, errors.New("request lacks checkMode")
	case req.Params == nil:
		return &req, errors.New("request params must be an object")
	}
	return &req, nil
}

func (h *Host) invoke(req *wireRequest, env *envelope) {
	s, ok := h.cat.Get(req.Name)
	sum := sha256.Sum256([]byte(req.Script))
	if !ok || hex.EncodeToString(sum[:]) != s.SHA256 {
		msg := fmt.Sprintf("fakehost: request %q does not carry the embedded script of that name", req.Name)
		fmt.Fprintln(h.errw, msg)
		env.Errors = append(env.Errors, ErrorRecord{Message: msg, FQID: "FakeHostUnknownScript", Category: "NotImplemented"})
		return
	}
	if err := s.CheckParams(req.Params); err != nil {
		var pe *scripts.ParamError
		if errors.As(err, &pe) {
			env.Errors = append(env.Errors, ErrorRecord{Message: pe.Error(), FQID: string(pe.Problem) + "," + s.Name,
				Category: "InvalidArgument", Target: pe.Param, ExceptionType: "System.Management.Automation.ParameterBindingException", HResult: -2146233087})
			env.HadErrors = true
			return
		}
		env.Errors = append(env.Errors, ErrorRecord{Message: err.Error(), FQID: "FakeHostParams"})
		return
	}
	verb, ok := verbs[req.Name]
	if !ok {
		msg := fmt.Sprintf("fakehost: no simulation for %s", req.Name)
		fmt.Fprintln(h.errw, msg)
		env.Errors = append(env.Errors, ErrorRecord{Message: msg, FQID: "FakeHostNoSimulation", Category: "NotImplemented"})
		return
	}
	c := &Call{Name: req.Name, Params: req.Params, CheckMode: *req.CheckMode, Host: h, Machine: h.machine}
	verb(c)
	if c.Elapsed > time.Duration(*req.TimeoutMs)*time.Millisecond {
		// Stop() was called: no output, no further records.
		env.TimedOut = true
		env.HadErrors = true
		return
	}
	if c.output != nil {
		env.Output = c.output
	}
	if c.errors != nil {
		env.Errors = c.errors
		env.HadErrors = true
	}
	if c.warnings != nil {
		env.Warnings = c.warnings
	}
	if c.information != nil {
		env.Information = c.information
	}
	env.OK = len(env.Errors) == 0
}

// beforeReply prints the scenario's noise.
func (h *Host) beforeReply() {
	f := h.sc.Faults
	if f.Garbage {
		other := strings.Repeat("ab", 16)
		h.println("garbage \x01\x02 not a frame")
		h.println(other + ":1:5:aGVsbG8=")                      // another nonce
		h.println("1:5:aGVsbG8=")                               // no nonce
		h.println(strings.Repeat("#", 200<<10))                 // a long junk line
		h.println("WARNING: " + strings.Repeat("\xff\xfe", 10)) // invalid UTF-8
		h.println(h.nonce[:16] + ":1:5:aGVsbG8=")               // half a nonce
	}
	if f.French {
		// Windows PowerShell writes to a redirected stdout in the OEM code
		// page (850 here): é is 0x82, not UTF-8. It must stay noise.
		h.println("AVERTISSEMENT : l\x82tat du service a chang\x82")
	}
	if f.StderrFloodBytes > 0 {
		chunk := []byte(strings.Repeat("E", 1023) + "\n")
		for left := f.StderrFloodBytes; left > 0; left -= len(chunk) {
			if _, err := h.errw.Write(chunk[:min(left, len(chunk))]); err != nil {
				break
			}
		}
	}
	if f.PromptNoise {
		h.out.WriteString(`PS C:\Windows\system32> `)
	}
}

// hang simulates a host that never answers again; only a kill ends it.
func hang() {
	for {
		time.Sleep(time.Hour) // simulating a hung machine
	}
}

func pid() int { return os.Getpid() }
