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
	"sort"
)

//go:embed *.ps1 manifest.json
var files embed.FS

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
	boot, err := withText(Script{Name: "bootstrap", File: m.Bootstrap.File, Purpose: m.Bootstrap.Purpose})
	if err != nil {
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
