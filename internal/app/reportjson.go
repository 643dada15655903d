package app

import (
	"encoding/json"
	"unicode"
)

// One casing in wurepair.report/v1 (issue 18; docs/wurepair.report.v1.schema.json):
// the facts come from the scripts' result objects, whose properties are
// PascalCase (the manifest's contract with PowerShell), while the report
// is camelCase. camelJSON re-keys a value's JSON: "HResult" -> "hResult",
// "KB" -> "kb", "ImageHealthState" -> "imageHealthState".
func camelJSON(v any) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, err
	}
	return json.Marshal(camelKeys(tree))
}

func camelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[camelKey(k)] = camelKeys(x)
		}
		return out
	case []any:
		for i := range t {
			t[i] = camelKeys(t[i])
		}
		return t
	}
	return v
}

// camelKey lowers the leading run of capitals, keeping the last one when a
// lower-case letter follows it (an acronym before a word).
func camelKey(k string) string {
	r := []rune(k)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) && unicode.IsLower(r[n]) {
		n-- // "HResult": "h" + "Result"
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}
