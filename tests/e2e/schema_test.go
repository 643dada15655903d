package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The published JSON Schema of wurepair.report/v1 (docs/schema) holds for
// what detect, diagnose and repair print with --output json: one casing
// (camelCase) everywhere, facts included (issue 18).
func TestReportMatchesPublishedSchema(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "schema", "wurepair.report.v1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	m := newMachine(t, "0x80070002")
	for _, args := range [][]string{
		{"diagnose", "--output", "json"},
		{"detect", "--output", "json"},
		{"repair", "--dry-run", "--output", "json"},
		{"repair", "--yes", "--output", "json"},
		{"detect", "--output", "json"},
	} {
		r := m.run(args...)
		var doc any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v: not one JSON document: %v\n%v", args, err, r)
		}
		if errs := validate(schema, schema, doc, "$"); len(errs) > 0 {
			t.Errorf("%v does not match the schema:\n  %s", args, strings.Join(errs, "\n  "))
		}
	}
	// The validator itself: a PascalCase key and a wrong type are caught.
	bad := map[string]any{"schema": "wurepair.report/v1", "command": "detect", "dryRun": false, "host": map[string]any{"IsAdmin": true},
		"findings": []any{}, "plans": []any{}, "outcome": "healthy", "rebootRequired": "no", "exitCode": 0.0}
	if errs := validate(schema, schema, bad, "$"); len(errs) != 2 {
		t.Errorf("the validator missed a PascalCase key or a wrong type: %v", errs)
	}
}

// validate checks doc against the subset of JSON Schema 2020-12 the
// published schema uses: $ref (local), type, const, enum, pattern,
// required, properties, additionalProperties, propertyNames, items, anyOf.
func validate(root, s map[string]any, doc any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return validate(root, root["$defs"].(map[string]any)[name].(map[string]any), doc, at)
	}
	var errs []string
	fail := func(f string, a ...any) { errs = append(errs, at+": "+fmt.Sprintf(f, a...)) }
	if alts, ok := s["anyOf"].([]any); ok {
		for _, alt := range alts {
			if len(validate(root, alt.(map[string]any), doc, at)) == 0 {
				return nil
			}
		}
		fail("matches none of anyOf")
		return errs
	}
	if ty, ok := s["type"]; ok {
		var types []string
		switch v := ty.(type) {
		case string:
			types = []string{v}
		case []any:
			for _, x := range v {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonType(doc)) && !(jsonType(doc) == "integer" && slices.Contains(types, "number")) {
			fail("type %s, want %v", jsonType(doc), types)
			return errs
		}
	}
	if c, ok := s["const"]; ok && c != doc {
		fail("%v, want %v", doc, c)
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, doc) {
		fail("%v not in %v", doc, e)
	}
	if p, ok := s["pattern"].(string); ok {
		if str, _ := doc.(string); !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
	}
	switch v := doc.(type) {
	case map[string]any:
		for _, r := range asSlice(s["required"]) {
			if _, ok := v[r.(string)]; !ok {
				fail("lacks %s", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, x := range v {
			if pn, ok := s["propertyNames"].(map[string]any); ok {
				errs = append(errs, validate(root, pn, k, at+"."+k+" (name)")...)
			}
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(root, ps, x, at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("unexpected key %s", k)
				}
			case map[string]any:
				errs = append(errs, validate(root, ap, x, at+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				errs = append(errs, validate(root, items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}
