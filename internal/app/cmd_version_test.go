package app

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func TestVersionFlagAndCommand(t *testing.T) {
	out, errOut, code := runApp(t, "--version")
	if code != ExitOK || out != "wurepair version test\n" {
		t.Fatalf("--version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	out, errOut, code = runApp(t, "version")
	if code != ExitOK {
		t.Fatalf("version: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"wurepair test\n", "commit   ", "go       " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
	d := &deps{catalog: scripts.MustLoad()}
	for _, s := range d.everyScript() {
		if !strings.Contains(out, "  "+s.SHA256+"  "+s.File+"\n") {
			t.Errorf("version output lacks %s's SHA-256 line", s.File)
		}
	}

	out, _, code = runApp(t, "version", "--output", "json")
	var doc struct {
		Schema    int    `json:"schema"`
		Version   string `json:"version"`
		GoVersion string `json:"goVersion"`
		Scripts   []struct{ File, SHA256 string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK {
		t.Fatalf("version -o json: exit %d, %v: %s", code, err, out)
	}
	if doc.Schema != 1 || doc.Version != "test" || doc.GoVersion != runtime.Version() || len(doc.Scripts) != len(d.everyScript()) {
		t.Fatalf("version -o json: %+v", doc)
	}

	if _, errOut, code = runApp(t, "version", "extra"); code != ExitUsage || !strings.Contains(errOut, "no arguments") {
		t.Fatalf("version extra: exit %d, stderr %q", code, errOut)
	}
}

func TestBuildCommit(t *testing.T) {
	stamped := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}
	dirty := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}
	cases := []struct {
		name     string
		injected string
		info     *debug.BuildInfo
		ok       bool
		want     string
	}{
		{"injected wins", "1234", dirty, true, "1234"},
		{"vcs stamp", "", stamped, true, "abc"},
		{"dirty tree", "", dirty, true, "abc+dirty"},
		{"no stamp", "", &debug.BuildInfo{}, true, "unknown"},
		{"no build info", "", nil, false, "unknown"},
	}
	for _, tc := range cases {
		if got := buildCommit(tc.injected, tc.info, tc.ok); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
