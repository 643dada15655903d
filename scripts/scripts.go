// Package scripts holds every line of PowerShell that wurepair runs, embedded
// in the binary, and the manifest that is the contract between Go and each
// script: its parameters (name, type, required) and its result fields.
//
// Go encodes requests from the manifest (CheckParams), the fake host rejects
// requests that do not match it, and tests/psgrammar checks that each script's
// param() block declares exactly the manifest's parameters.
package scripts

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.ps1 manifest.json lib/*.ps1
var files embed.FS

// LibraryDir is the folder of the safety library: helpers every script
// calls (scripts/lib/*.ps1). They are not requests: the bootstrap carries
// their text (see libraryHook) and runs it in every request runspace.
const LibraryDir = "lib"

// libraryHook is the empty here-string in bootstrap.ps1 that Load fills
// with the library's text.
const libraryHook = "$global:WurLibrary = @'\n# scripts.Load replaces this line with the text of scripts/lib/*.ps1.\n'@\n"

// Param is one declared script parameter.
type Param struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // string, int, bool, string[]
	Required bool   `json:"required"`
}

// Field is one declared field of a script's result object.
type Field struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Script is one embedded script with its manifest entry.
type Script struct {
	Name      string  `json:"name"`
	File      string  `json:"file"`
	Purpose   string  `json:"purpose"`
	ReadOnly  bool    `json:"readOnly"`
	TimeoutMs int     `json:"timeoutMs"`
	Params    []Param `json:"params"`
	Result    []Field `json:"result"`
	// Text is the exact script text that runs; SHA256 its hex digest.
	Text   string `json:"-"`
	SHA256 string `json:"sha256"`
}

type manifest struct {
	Schema    int `json:"schema"`
	Bootstrap struct {
		File    string `json:"file"`
		Purpose string `json:"purpose"`
	} `json:"bootstrap"`
	Scripts []Script `json:"scripts"`
}

// Catalog is the loaded, verified set of embedded scripts.
type Catalog struct {
	bootstrap Script
	library   []Script
	byName    map[string]Script
	names     []string
}

// Load reads the embedded manifest and scripts. It fails when the manifest
// names a file that is not embedded, declares a name twice, or uses an
// unknown parameter type: those are build bugs, caught by the tests.
func Load() (*Catalog, error) {
	raw, err := files.ReadFile("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	c := &Catalog{byName: make(map[string]Script, len(m.Scripts))}
	if c.library, err = loadLibrary(); err != nil {
		return nil, err
	}
	boot, err := withText(Script{Name: "bootstrap", File: m.Bootstrap.File, Purpose: m.Bootstrap.Purpose})
	if err != nil {
		return nil, err
	}
	if boot, err = withLibrary(boot, c.library); err != nil {
		return nil, err
	}
	c.bootstrap = boot
	for _, s := range m.Scripts {
		if _, dup := c.byName[s.Name]; dup {
			return nil, fmt.Errorf("manifest: script %q declared twice", s.Name)
		}
		for _, p := range s.Params {
			if !validType(p.Type) {
				return nil, fmt.Errorf("manifest: script %q parameter %q has unknown type %q", s.Name, p.Name, p.Type)
			}
		}
		s, err := withText(s)
		if err != nil {
			return nil, err
		}
		c.byName[s.Name] = s
		c.names = append(c.names, s.Name)
	}
	sort.Strings(c.names)
	return c, nil
}

// MustLoad is Load for callers where the embedded set is known good (tests
// prove it): a failure is a build bug.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

func withText(s Script) (Script, error) {
	text, err := files.ReadFile(s.File)
	if err != nil {
		return s, fmt.Errorf("manifest names %q: %w", s.File, err)
	}
	sum := sha256.Sum256(text)
	s.Text = string(text)
	s.SHA256 = hex.EncodeToString(sum[:])
	return s, nil
}

// loadLibrary reads scripts/lib/*.ps1, sorted by name.
func loadLibrary() ([]Script, error) {
	names, err := fs.Glob(files, LibraryDir+"/*.ps1")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no safety library in %s: %v", LibraryDir, err)
	}
	sort.Strings(names)
	var lib []Script
	for _, n := range names {
		base := strings.TrimSuffix(n[len(LibraryDir)+1:], ".ps1")
		s, err := withText(Script{Name: base, File: n, Purpose: "safety library: helpers every script calls (loaded into every request runspace by the bootstrap)", ReadOnly: true})
		if err != nil {
			return nil, err
		}
		for i, line := range strings.Split(s.Text, "\n") {
			if strings.HasPrefix(line, "'@") {
				return nil, fmt.Errorf("%s line %d starts with '@, which would end the bootstrap's here-string", n, i+1)
			}
		}
		lib = append(lib, s)
	}
	return lib, nil
}

// withLibrary puts the library's text into the bootstrap's libraryHook, so
// the bootstrap's text (and digest) is exactly what runs.
func withLibrary(boot Script, lib []Script) (Script, error) {
	text := strings.ReplaceAll(boot.Text, "\r\n", "\n")
	if strings.Count(text, libraryHook) != 1 {
		return boot, fmt.Errorf("%s: want exactly one library hook %q", boot.File, libraryHook)
	}
	var body strings.Builder
	for _, s := range lib {
		body.WriteString(strings.TrimRight(strings.ReplaceAll(s.Text, "\r\n", "\n"), "\n"))
		body.WriteString("\n")
	}
	boot.Text = strings.Replace(text, libraryHook, "$global:WurLibrary = @'\n"+body.String()+"'@\n", 1)
	sum := sha256.Sum256([]byte(boot.Text))
	boot.SHA256 = hex.EncodeToString(sum[:])
	return boot, nil
}

// Library is the safety library's files (scripts/lib/*.ps1), sorted. Their
// text is part of the bootstrap's; they are listed and exported on their
// own so that an exported script can run alone (dot-source them first).
func (c *Catalog) Library() []Script { return append([]Script(nil), c.library...) }

// Bootstrap is the session bootstrap script.
func (c *Catalog) Bootstrap() Script { return c.bootstrap }

// Get returns the script with that name.
func (c *Catalog) Get(name string) (Script, bool) {
	s, ok := c.byName[name]
	return s, ok
}

// All returns every verb script, sorted by name (the bootstrap is not a verb).
func (c *Catalog) All() []Script {
	out := make([]Script, 0, len(c.names))
	for _, n := range c.names {
		out = append(out, c.byName[n])
	}
	return out
}

// BySHA256 finds a script (bootstrap included) by the digest of its text.
func (c *Catalog) BySHA256(sum string) (Script, bool) {
	if sum == c.bootstrap.SHA256 {
		return c.bootstrap, true
	}
	for _, s := range c.byName {
		if s.SHA256 == sum {
			return s, true
		}
	}
	return Script{}, false
}

// ManifestJSON returns the embedded manifest as shipped.
func ManifestJSON() []byte {
	raw, _ := files.ReadFile("manifest.json")
	return raw
}
