package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func fakeInfo() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "github.com/wurepair/wurepair/cmd/wurepair",
		Main:      debug.Module{Path: "github.com/wurepair/wurepair", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/urfave/cli/v2", Version: "v2.27.7", Sum: "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/new", Version: "v1.0.1"}},
		},
		Settings: []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "GOOS", Value: "windows"}},
	}
}

func TestBuildDocument(t *testing.T) {
	o := Options{Version: "1.2.3", Created: "2026-12-01T00:00:00Z"}
	doc, err := Build(fakeInfo(), "wurepair.exe", strings.Repeat("ab", 32), o)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := doc.Write(&a); err != nil {
		t.Fatal(err)
	}
	doc2, _ := Build(fakeInfo(), "wurepair.exe", strings.Repeat("ab", 32), o)
	_ = doc2.Write(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same input gave two different documents")
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2026-12-01T00:00:00Z" || !strings.HasSuffix(doc.DocumentNamespace, "/wurepair.exe-"+strings.Repeat("ab", 32)) {
		t.Fatalf("header: %+v", doc)
	}
	idOK := regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	ids := map[string]bool{}
	names := map[string]string{}
	for _, p := range doc.Packages {
		if !idOK.MatchString(p.SPDXID) || ids[p.SPDXID] {
			t.Errorf("bad or repeated SPDXID %q", p.SPDXID)
		}
		ids[p.SPDXID] = true
		names[p.Name] = p.VersionInfo
	}
	want := map[string]string{"github.com/wurepair/wurepair": "1.2.3", "stdlib": "go1.26.8", "github.com/urfave/cli/v2": "v2.27.7", "example.com/new": "v1.0.1"}
	for n, v := range want {
		if names[n] != v {
			t.Errorf("package %s: version %q, want %q", n, names[n], v)
		}
	}
	if _, ok := names["example.com/old"]; ok {
		t.Error("a replaced module is listed instead of its replacement")
	}
	if got := doc.Packages[2].Checksums; len(got) != 1 || got[0].ChecksumValue != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("go.sum hash not turned into a hex SHA-256: %+v", got)
	}
	for _, r := range doc.Relationships {
		if !ids[r.RelatedSPDXElement] || (r.SPDXElementID != "SPDXRef-DOCUMENT" && !ids[r.SPDXElementID]) {
			t.Errorf("relationship to an unknown element: %+v", r)
		}
	}
	if len(doc.Relationships) != len(doc.Packages) {
		t.Errorf("%d relationships for %d packages: every package but the binary needs DEPENDS_ON, the binary DESCRIBES", len(doc.Relationships), len(doc.Packages))
	}
}

func TestH1ToHex(t *testing.T) {
	cases := map[string]string{
		"h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"h1:short":    "",
		"h2:whatever": "",
		"":            "",
	}
	for in, want := range cases {
		if got := h1ToHex(in); got != want {
			t.Errorf("h1ToHex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunOnItself(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-version", "9.9.9", "-created", "2026-12-01T00:00:00Z", exe}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"name": "github.com/wurepair/wurepair"`) || !strings.Contains(out.String(), `"name": "stdlib"`) {
		t.Fatalf("SBOM of the test binary lacks the main module or stdlib:\n%s", out.String())
	}
	notGo := filepath.Join(t.TempDir(), "x")
	_ = os.WriteFile(notGo, []byte("not a binary"), 0o644)
	for _, args := range [][]string{{exe}, {"-version", "1", "-created", "yesterday", exe}, {"-version", "1", "-created", "2026-12-01T00:00:00Z", notGo}} {
		errb.Reset()
		if code := run(args, &out, &errb); code == 0 {
			t.Errorf("sbom %v: exit 0, want failure", args)
		}
	}
}

func TestValidate(t *testing.T) {
	o := Options{Version: "1.2.3", Created: "2026-12-01T00:00:00Z"}
	good := func() *Document {
		d, err := Build(fakeInfo(), "wurepair.exe", strings.Repeat("ab", 32), o)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	var buf bytes.Buffer
	_ = good().Write(&buf)
	d, err := ReadDocument(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("a built document does not validate: %v", err)
	}
	breaks := map[string]func(*Document){
		"version":       func(d *Document) { d.SPDXVersion = "SPDX-2.2" },
		"created":       func(d *Document) { d.CreationInfo.Created = "now" },
		"repeated id":   func(d *Document) { d.Packages[1].SPDXID = d.Packages[0].SPDXID },
		"bad id":        func(d *Document) { d.Packages[1].SPDXID = "SPDXRef-a/b" },
		"empty version": func(d *Document) { d.Packages[2].VersionInfo = "" },
		"checksum":      func(d *Document) { d.Packages[0].Checksums[0].ChecksumValue = "abc" },
		"dangling":      func(d *Document) { d.Relationships[1].RelatedSPDXElement = "SPDXRef-nope" },
		"two describes": func(d *Document) { d.Relationships[1].RelationshipType = "DESCRIBES" },
	}
	for name, breakIt := range breaks {
		d := good()
		breakIt(d)
		if d.Validate() == nil {
			t.Errorf("%s: a broken document validates", name)
		}
	}
	if _, err := ReadDocument(strings.NewReader(`{"spdxVersion":"SPDX-2.3","extra":1}`)); err == nil {
		t.Error("an unknown field is accepted")
	}
}
