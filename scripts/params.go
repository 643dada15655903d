package scripts

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// ErrParams marks a request whose parameters do not match the manifest.
var ErrParams = errors.New("parameters do not match the script manifest")

// ParamProblem says how a parameter fails the manifest.
type ParamProblem string

// The ways a parameter can fail, named after what PowerShell's binder reports.
const (
	ParamUnknown   ParamProblem = "NamedParameterNotFound"
	ParamMissing   ParamProblem = "MissingMandatoryParameter"
	ParamWrongType ParamProblem = "ParameterArgumentTransformationError"
)

// ParamError is a parameter that does not match the manifest.
type ParamError struct {
	Script  string
	Param   string
	Problem ParamProblem
	Want    string
	Got     string
}

func (e *ParamError) Error() string {
	switch e.Problem {
	case ParamUnknown:
		return fmt.Sprintf("%s has no parameter %q", e.Script, e.Param)
	case ParamMissing:
		return fmt.Sprintf("%s parameter %q is required", e.Script, e.Param)
	}
	return fmt.Sprintf("%s parameter %q wants %s, got %s", e.Script, e.Param, e.Want, e.Got)
}

func (e *ParamError) Is(target error) bool { return target == ErrParams }

func validType(t string) bool {
	switch t {
	case "string", "int", "bool", "string[]":
		return true
	}
	return false
}

// CheckParams verifies params against the manifest: every name declared,
// every required one present, every value of the declared type. Values may be
// Go values (string, int, bool, []string) or what encoding/json decodes into
// an any (string, float64, bool, []any), so the same check serves the Go
// encoder and the fake host.
func (s Script) CheckParams(params map[string]any) error {
	declared := make(map[string]Param, len(s.Params))
	for _, p := range s.Params {
		declared[p.Name] = p
	}
	for name, v := range params {
		p, ok := declared[name]
		if !ok {
			return &ParamError{Script: s.Name, Param: name, Problem: ParamUnknown}
		}
		if !hasType(v, p.Type) {
			return &ParamError{Script: s.Name, Param: name, Problem: ParamWrongType, Want: p.Type, Got: fmt.Sprintf("%T", v)}
		}
	}
	for _, p := range s.Params {
		if _, ok := params[p.Name]; p.Required && !ok {
			return &ParamError{Script: s.Name, Param: p.Name, Problem: ParamMissing}
		}
	}
	return nil
}

func hasType(v any, t string) bool {
	switch t {
	case "string":
		_, ok := v.(string)
		return ok
	case "bool":
		_, ok := v.(bool)
		return ok
	case "int":
		switch n := v.(type) {
		case int, int32, int64:
			return true
		case float64:
			return n == math.Trunc(n) && math.Abs(n) < 1<<53
		case json.Number:
			_, err := n.Int64()
			return err == nil
		}
		return false
	case "string[]":
		switch a := v.(type) {
		case []string:
			return true
		case []any:
			for _, e := range a {
				if _, ok := e.(string); !ok {
					return false
				}
			}
			return true
		}
		return false
	}
	return false
}
