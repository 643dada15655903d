// Package orchestrator makes every decision: it turns probe results into
// findings, findings into plans of steps, and runs them with a journal and
// rollback. It never sees a process or a line of PowerShell: it calls
// scripts by name through an Invoker (a *ps.Session in production).
package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// Invoker runs one script. *ps.Session implements it; tests pass stubs.
type Invoker interface {
	Invoke(ctx context.Context, req ps.Request) (ps.Result, error)
}

// CallEvent describes one finished script call, for logs and the journal.
type CallEvent struct {
	Script   string
	SHA256   string
	Params   map[string]any
	Duration time.Duration
	Err      error
}

// Host calls embedded scripts by name with manifest-checked parameters and
// decodes their results strictly.
type Host struct {
	inv     Invoker
	catalog *scripts.Catalog
	// CheckMode marks every request as a dry run ($WhatIfPreference).
	CheckMode bool
	// OnCall, when set, is told about every call.
	OnCall func(CallEvent)
	// OnProgress, when set, hears a script's progress (percent 0..100)
	// while it runs; it is called on the session's reader goroutine and
	// must return quickly.
	OnProgress func(script string, percent int)
}

// NewHost binds an Invoker to the catalog.
func NewHost(inv Invoker, catalog *scripts.Catalog) *Host {
	return &Host{inv: inv, catalog: catalog}
}

// ScriptFailure is a script that ran and reported an error record: its
// FQID and HResult are what decisions use.
type ScriptFailure struct {
	Script  string
	FQID    string
	HResult int64
	Message string
}

func (e *ScriptFailure) Error() string {
	return fmt.Sprintf("%s: %s (%s, HRESULT 0x%08X)", e.Script, e.Message, e.FQID, uint32(e.HResult))
}

// call runs script name with params and decodes its single result into out.
func call[T any](ctx context.Context, h *Host, name string, params map[string]any) (T, error) {
	return callWithin[T](ctx, h, name, params, 0)
}

// callWithin is call with the request's timeout given (0: the manifest's).
func callWithin[T any](ctx context.Context, h *Host, name string, params map[string]any, timeout time.Duration) (T, error) {
	var out T
	s, ok := h.catalog.Get(name)
	if !ok {
		return out, fmt.Errorf("no embedded script %q", name)
	}
	if params == nil {
		params = map[string]any{}
	}
	if err := s.CheckParams(params); err != nil {
		return out, fmt.Errorf("calling %s: %w", name, err)
	}
	if !s.ReadOnly && h.CheckMode {
		return out, fmt.Errorf("refusing to send action %s in a dry run", name)
	}
	if timeout <= 0 {
		timeout = time.Duration(s.TimeoutMs) * time.Millisecond
	}
	start := time.Now()
	req := ps.Request{
		Name: s.Name, Script: s.Text, Params: params,
		Timeout: timeout, CheckMode: h.CheckMode,
		Inactivity: inactivityScripts[s.Name],
	}
	if on := h.OnProgress; on != nil {
		req.OnProgress = func(percent int) { on(s.Name, percent) }
	}
	res, err := h.inv.Invoke(ctx, req)
	if err == nil {
		err = failure(name, res)
	}
	if err == nil {
		err = res.Decode(&out)
	}
	if h.OnCall != nil {
		h.OnCall(CallEvent{Script: s.Name, SHA256: s.SHA256, Params: params, Duration: time.Since(start), Err: err})
	}
	return out, err
}

func failure(name string, res ps.Result) error {
	if err := res.Err(); err != nil {
		var se *ps.ScriptError
		if errors.As(err, &se) && len(se.Records) > 0 {
			r := se.Records[0]
			return &ScriptFailure{Script: name, FQID: r.FQID, HResult: r.HResult, Message: r.Message}
		}
		return err
	}
	return nil
}

// IsFQID reports whether err is a script failure with that error id
// (FullyQualifiedErrorId, compared up to its first comma).
func IsFQID(err error, fqid string) bool {
	var sf *ScriptFailure
	if !errors.As(err, &sf) {
		return false
	}
	id := sf.FQID
	for i := 0; i < len(id); i++ {
		if id[i] == ',' {
			id = id[:i]
			break
		}
	}
	return id == fqid
}

// HResultOf returns the HRESULT of a script failure, or 0.
func HResultOf(err error) uint32 {
	var sf *ScriptFailure
	if errors.As(err, &sf) {
		return uint32(sf.HResult)
	}
	return 0
}
