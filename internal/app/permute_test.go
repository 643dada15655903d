package app

import (
	"reflect"
	"testing"
)

func TestPermute(t *testing.T) {
	app := New(Env{})
	cases := []struct{ in, want []string }{
		{[]string{"w", "repair", "auto", "--dry-run"}, []string{"w", "repair", "--dry-run", "auto"}},
		{[]string{"w", "repair", "datastore", "--output", "json", "--yes"}, []string{"w", "repair", "--output", "json", "--yes", "datastore"}},
		{[]string{"w", "repair", "--output=json", "reset"}, []string{"w", "repair", "--output=json", "reset"}},
		{[]string{"w", "runs", "show", "ID", "--state-dir", "/x"}, []string{"w", "runs", "show", "--state-dir", "/x", "ID"}},
		{[]string{"w", "scripts", "show", "--", "-odd"}, []string{"w", "scripts", "show", "--", "-odd"}},
		{[]string{"w", "repair", "auto", "--yes", "wups2"}, []string{"w", "repair", "--yes", "auto", "wups2"}},
	}
	for _, tc := range cases {
		if got := permute(app, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("permute(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
