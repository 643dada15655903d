package scripts

import (
	"regexp"
	"strings"
	"testing"
)

// libraryFunction finds the functions a library file defines.
var libraryFunction = regexp.MustCompile(`(?m)^function ([A-Za-z0-9-]+) \{`)

// The safety library (issue 19 item 8) is in the bootstrap's text, so the
// bootstrap's digest covers it, and it is never in a verb script.
func TestLibraryIsInTheBootstrap(t *testing.T) {
	c := MustLoad()
	lib := c.Library()
	if len(lib) == 0 {
		t.Fatal("no safety library loaded from scripts/lib")
	}
	boot := c.Bootstrap()
	if strings.Contains(boot.Text, libraryHook) {
		t.Error("the bootstrap still holds the empty library hook")
	}
	for _, l := range lib {
		if l.SHA256 == "" || !strings.HasPrefix(l.File, LibraryDir+"/") {
			t.Errorf("library file %+v", l)
		}
		body := strings.TrimRight(strings.ReplaceAll(l.Text, "\r\n", "\n"), "\n")
		if !strings.Contains(boot.Text, "$global:WurLibrary = @'\n"+body) {
			t.Errorf("bootstrap does not carry %s", l.File)
		}
	}
	// Every function the library defines, and at least the helpers issue
	// 19 item 8 names: no verb script may define one again.
	defined := map[string]bool{}
	for _, l := range lib {
		for _, m := range libraryFunction.FindAllStringSubmatch(l.Text, -1) {
			defined[m[1]] = true
		}
	}
	for _, fn := range []string{"New-WurError", "Get-WurKnownFolder", "Resolve-WurPath", "Test-WurSame", "Test-WurUnder", "Move-WurFolder", "Get-WurAttributes", "Close-WurComObject"} {
		if !defined[fn] {
			t.Errorf("library does not define %s", fn)
		}
	}
	for fn := range defined {
		def := "function " + fn + " {"
		if !strings.Contains(boot.Text, def) {
			t.Errorf("library does not define %s", fn)
		}
		for _, s := range c.All() {
			if strings.Contains(s.Text, def) {
				t.Errorf("%s defines %s again: the library holds it once", s.File, fn)
			}
		}
	}
	for _, s := range c.All() {
		if strings.Contains(strings.ToLower(s.Text), "get-wurtest") {
			t.Errorf("%s names a test function (issue 19 item 9)", s.File)
		}
	}
}

func TestWithLibraryRefusesABrokenHook(t *testing.T) {
	lib := []Script{{File: "lib/X.ps1", Text: "function X {}\n"}}
	for name, text := range map[string]string{
		"no hook":   "param()\n",
		"two hooks": libraryHook + libraryHook,
	} {
		if _, err := withLibrary(Script{File: "bootstrap.ps1", Text: text}, lib); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	got, err := withLibrary(Script{File: "bootstrap.ps1", Text: "a\n" + libraryHook + "b\n"}, lib)
	if err != nil || got.Text != "a\n$global:WurLibrary = @'\nfunction X {}\n'@\nb\n" || got.SHA256 == "" {
		t.Errorf("withLibrary = %q, %v", got.Text, err)
	}
}
