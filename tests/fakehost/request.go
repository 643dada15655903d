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
	// bootstrap stops the script and reports timedOut. For a request with
	// inactivity it is the longest stretch without progress.
	Elapsed time.Duration

	id         string        // the request id, for progress frames
	inactivity bool          // the timeout restarts at each progress frame
	timeout    time.Duration // the request's timeout
	slow       time.Duration // the SlowMs knob of a verb that reports progress
}

// progressVerbs report progress while they run (Repair-WindowsImage
// -RestoreHealth and -ScanHealth do): their SlowMs is spread over their
// progress frames instead of spent before they start.
var progressVerbs = map[string]bool{"Repair-WurComponentStore": true, "Get-WurComponentHealth": true}

// Progress writes one progress frame per percent, as the bootstrap does
// when the script's PercentComplete changes, spending the call's slowness
// evenly between them. It reports false when the request timed out on the
// way (the verb must then change nothing more): past its timeout, counted
// from the start or, with inactivity, from the last frame.
func (c *Call) Progress(percents ...int) bool {
	for _, pct := range percents {
		if c.slow > 0 {
			slice := c.slow / time.Duration(len(percents))
			time.Sleep(min(slice, c.timeout)) // simulating a slow repair
			if c.inactivity {
				c.Elapsed = max(c.Elapsed, slice)
			} else {
				c.Elapsed += slice
			}
			if c.Elapsed > c.timeout {
				return false
			}
		}
		if c.Host != nil && c.Host.out != nil && idRe.MatchString(c.id) {
			c.Host.out.WriteString(c.Host.nonce + ":" + c.id + ":P:" + strconv.Itoa(pct) + c.Host.eol)
			c.Host.out.Flush()
		}
	}
	return true
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
	case int:
		return n
	}
	return def
}

// Strs returns a string[] parameter.
func (c *Call) Strs(name string) []string {
	if a, ok := c.Params[name].([]string); ok {
		return append([]string{}, a...)
	}
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
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Script     string         `json:"script"`
	Params     map[string]any `json:"params"`
	TimeoutMs  *int64         `json:"timeoutMs"`
	CheckMode  *bool          `json:"checkMode"`
	Inactivity bool           `json:"inactivity"`
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
	crash := false
	if err != nil {
		// The bootstrap's catch: an error envelope for id "?".
		env.Errors = append(env.Errors, ErrorRecord{Message: err.Error(), FQID: "WurBadRequest", Category: "InvalidData", ExceptionType: "System.ArgumentException", HResult: -2147024809})
	} else {
		crash = h.invoke(req, env)
	}
	env.DurationMs = time.Since(started).Milliseconds()
	h.beforeReply()
	if f.WrongID {
		id += "7"
	}
	if f.CrashOnRequest == n || crash {
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
		//lint:ignore ST1005 PowerShell's own message, capital and all
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

// invoke runs one request's script into env. crash reports that the
// machine's CrashOnScript knob ends the host on this call.
func (h *Host) invoke(req *wireRequest, env *envelope) (crash bool) {
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
			env.Errors = append(env.Errors, ErrorRecord{Message: h.binderMessage(pe), FQID: string(pe.Problem) + "," + s.Name,
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
	if rec, bad := h.bindNonEmpty(s, req.Params); bad {
		env.Errors = append(env.Errors, rec)
		env.HadErrors = true
		return
	}
	timeout := time.Duration(*req.TimeoutMs) * time.Millisecond
	c := &Call{Name: req.Name, Params: req.Params, CheckMode: *req.CheckMode, Host: h, Machine: h.machine,
		id: req.ID, inactivity: req.Inactivity, timeout: timeout}
	crash, beforeRun, err := h.machine.countCall(req.Name)
	if err != nil {
		c.Fail(stateSaveFailed(err))
	}
	if crash && beforeRun {
		return true
	}
	if ms := h.machine.State.Faults.SlowMs[req.Name]; ms > 0 && progressVerbs[req.Name] {
		c.slow = time.Duration(ms) * time.Millisecond
	} else if ms > 0 {
		slow := time.Duration(ms) * time.Millisecond
		time.Sleep(min(slow, timeout)) // simulating a slow machine
		c.Elapsed += slow
	}
	if hr := h.machine.State.Faults.ScriptFails[req.Name]; hr != 0 && c.Elapsed <= timeout {
		c.throw(ErrorRecord{Message: c.tr("Access is denied.", "Accès refusé."), FQID: "System.UnauthorizedAccessException",
			Category: "PermissionDenied", HResult: hr.Int64(), ExceptionType: "System.UnauthorizedAccessException"})
	} else if c.Elapsed <= timeout {
		h.runVerb(c, verb)
	}
	if c.Elapsed > timeout {
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
	return crash
}

// runVerb calls the verb and saves the machine if it changed, before the reply.
func (h *Host) runVerb(c *Call, verb Verb) {
	before, err := c.Machine.Bytes()
	if err != nil {
		c.Fail(stateSaveFailed(err))
		return
	}
	verb(c)
	after, err := c.Machine.Bytes()
	if err == nil && !bytes.Equal(before, after) {
		err = c.Machine.Save()
	}
	if err != nil {
		c.Fail(stateSaveFailed(err))
	}
}

func stateSaveFailed(err error) ErrorRecord {
	return ErrorRecord{Message: "fakehost: saving the machine state: " + err.Error(), FQID: "FakeHostStateSave", Category: "WriteError"}
}

// binderMessage is the parameter binder's message, in French on a
// French Windows.
func (h *Host) binderMessage(pe *scripts.ParamError) string {
	if !h.sc.Faults.French {
		return pe.Error()
	}
	switch pe.Problem {
	case scripts.ParamUnknown:
		return fmt.Sprintf("Impossible de trouver un paramètre correspondant au nom « %s ».", pe.Param)
	case scripts.ParamMissing:
		return fmt.Sprintf("Impossible de traiter la commande, car un ou plusieurs paramètres obligatoires sont manquants : %s.", pe.Param)
	}
	return fmt.Sprintf("Impossible de traiter la transformation d'argument sur le paramètre « %s ».", pe.Param)
}

// allowEmptyString lists the mandatory string parameters declared with
// [AllowEmptyString()]; PowerShell's binder refuses "" (and empty arrays)
// for every other mandatory one.
var allowEmptyString = map[string]bool{"Test-WurEcho.Text": true}

// bindNonEmpty refuses an empty mandatory argument the way the parameter
// binder does.
func (h *Host) bindNonEmpty(s scripts.Script, params map[string]any) (ErrorRecord, bool) {
	for _, p := range s.Params {
		if !p.Required || allowEmptyString[s.Name+"."+p.Name] {
			continue
		}
		id, what, whatFR := "", "", ""
		switch v := params[p.Name].(type) {
		case string:
			if v == "" {
				id, what, whatFR = "ParameterArgumentValidationErrorEmptyStringNotAllowed", "an empty string", "une chaîne vide"
			}
		case []any:
			if len(v) == 0 {
				id, what, whatFR = "ParameterArgumentValidationErrorEmptyArrayNotAllowed", "an empty array", "un tableau vide"
			}
			for _, e := range v {
				if e == "" {
					id, what, whatFR = "ParameterArgumentValidationErrorEmptyStringNotAllowed", "an empty string", "une chaîne vide"
				}
			}
		}
		if id == "" {
			continue
		}
		msg := fmt.Sprintf("Cannot bind argument to parameter '%s' because it is %s.", p.Name, what)
		if h.sc.Faults.French {
			msg = fmt.Sprintf("Impossible de lier l'argument au paramètre « %s », car il s'agit d'%s.", p.Name, whatFR)
		}
		return ErrorRecord{Message: msg, FQID: id + "," + s.Name, Category: "InvalidData", Target: p.Name,
			ExceptionType: "System.Management.Automation.ParameterBindingValidationException", HResult: hrSystemException.Int64()}, true
	}
	return ErrorRecord{}, false
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
