package main

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// Options are the facts the binary does not carry itself.
type Options struct {
	Version       string
	Created       string
	NamespaceBase string
}

// Document is the subset of SPDX 2.3 (JSON) this tool writes.
type Document struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      CreationInfo   `json:"creationInfo"`
	Packages          []Package      `json:"packages"`
	Relationships     []Relationship `json:"relationships"`
}

// CreationInfo says when and by what the document was made.
type CreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

// Package is one SPDX package: the binary, a Go module, or the toolchain.
type Package struct {
	SPDXID                string        `json:"SPDXID"`
	Name                  string        `json:"name"`
	VersionInfo           string        `json:"versionInfo"`
	PackageFileName       string        `json:"packageFileName,omitempty"`
	DownloadLocation      string        `json:"downloadLocation"`
	FilesAnalyzed         bool          `json:"filesAnalyzed"`
	Checksums             []Checksum    `json:"checksums,omitempty"`
	ExternalRefs          []ExternalRef `json:"externalRefs,omitempty"`
	LicenseConcluded      string        `json:"licenseConcluded"`
	LicenseDeclared       string        `json:"licenseDeclared"`
	CopyrightText         string        `json:"copyrightText"`
	PrimaryPackagePurpose string        `json:"primaryPackagePurpose,omitempty"`
	Comment               string        `json:"comment,omitempty"`
}

// Checksum is an SPDX checksum (hex).
type Checksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

// ExternalRef is a package URL.
type ExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

// Relationship links two SPDX elements.
type Relationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// FromFile reads the build information of the Go binary at path.
func FromFile(path string, o Options) (*Document, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read binary: %w", err)
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s carries no Go build information: %w", path, err)
	}
	sum := sha256.Sum256(raw)
	return Build(info, filepath.Base(path), hex.EncodeToString(sum[:]), o)
}

var spdxIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func spdxID(kind, name string) string {
	return "SPDXRef-" + kind + "-" + strings.Trim(spdxIDUnsafe.ReplaceAllString(name, "-"), "-")
}

// h1ToHex turns a go.sum "h1:" hash (base64 SHA-256 of the module's file
// list) into hex for an SPDX SHA256 checksum; other forms give "".
func h1ToHex(sum string) string {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(b)
}

func purl(path, version string) string {
	return "pkg:golang/" + path + "@" + version
}

// Build makes the document for a binary named file with SHA-256 fileSum.
func Build(info *debug.BuildInfo, file, fileSum string, o Options) (*Document, error) {
	created, err := time.Parse(time.RFC3339, o.Created)
	if err != nil {
		return nil, fmt.Errorf("-created %q: want RFC 3339: %w", o.Created, err)
	}
	if info.Main.Path == "" {
		return nil, fmt.Errorf("%s: build information names no main module", file)
	}
	base := o.NamespaceBase
	if base == "" {
		base = "https://github.com/wurepair/wurepair/spdx"
	}
	var settings []string
	for _, s := range info.Settings {
		settings = append(settings, s.Key+"="+s.Value)
	}
	mainID := spdxID("Package", info.Main.Path)
	doc := &Document{
		SPDXVersion: "SPDX-2.3",
		DataLicense: "CC0-1.0",
		SPDXID:      "SPDXRef-DOCUMENT",
		Name:        file,
		// Unique per binary: the namespace names its content.
		DocumentNamespace: strings.TrimRight(base, "/") + "/" + file + "-" + fileSum,
		CreationInfo: CreationInfo{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: wurepair-sbom (tests/release/sbom, from Go build information)"},
		},
	}
	doc.Packages = append(doc.Packages, Package{
		SPDXID:                mainID,
		Name:                  info.Main.Path,
		VersionInfo:           o.Version,
		PackageFileName:       file,
		DownloadLocation:      "NOASSERTION",
		Checksums:             []Checksum{{"SHA256", fileSum}},
		ExternalRefs:          []ExternalRef{{"PACKAGE-MANAGER", "purl", purl(info.Main.Path, o.Version)}},
		LicenseConcluded:      "NOASSERTION",
		LicenseDeclared:       "NOASSERTION",
		CopyrightText:         "NOASSERTION",
		PrimaryPackagePurpose: "APPLICATION",
		Comment:               "built by " + info.GoVersion + " from package " + info.Path + "; build settings: " + strings.Join(settings, " "),
	})
	doc.Relationships = append(doc.Relationships, Relationship{"SPDXRef-DOCUMENT", "DESCRIBES", mainID})

	stdID := spdxID("Package", "stdlib")
	doc.Packages = append(doc.Packages, Package{
		SPDXID:           stdID,
		Name:             "stdlib",
		VersionInfo:      info.GoVersion,
		DownloadLocation: "https://go.dev/dl/",
		ExternalRefs:     []ExternalRef{{"PACKAGE-MANAGER", "purl", purl("stdlib", info.GoVersion)}},
		LicenseConcluded: "NOASSERTION",
		LicenseDeclared:  "BSD-3-Clause",
		CopyrightText:    "NOASSERTION",
		Comment:          "the Go standard library and runtime linked into the binary",
	})
	doc.Relationships = append(doc.Relationships, Relationship{mainID, "DEPENDS_ON", stdID})

	for _, dep := range info.Deps {
		m := dep
		comment := ""
		if dep.Replace != nil {
			m = dep.Replace
			comment = "replaces " + dep.Path + "@" + dep.Version
		}
		p := Package{
			SPDXID:                spdxID("Package", m.Path+"-"+m.Version),
			Name:                  m.Path,
			VersionInfo:           m.Version,
			DownloadLocation:      "https://proxy.golang.org/" + m.Path + "/@v/" + m.Version + ".zip",
			ExternalRefs:          []ExternalRef{{"PACKAGE-MANAGER", "purl", purl(m.Path, m.Version)}},
			LicenseConcluded:      "NOASSERTION",
			LicenseDeclared:       "NOASSERTION",
			CopyrightText:         "NOASSERTION",
			PrimaryPackagePurpose: "LIBRARY",
			Comment:               comment,
		}
		if h := h1ToHex(m.Sum); h != "" {
			p.Checksums = []Checksum{{"SHA256", h}}
			p.Comment = strings.TrimSpace(p.Comment + " checksum: the go.sum hash " + m.Sum + " in hex")
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, Relationship{mainID, "DEPENDS_ON", p.SPDXID})
	}
	return doc, nil
}

// Write writes the document as indented JSON.
func (d *Document) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

var spdxIDValid = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)

// Validate checks what SPDX 2.3 requires of the fields this tool writes:
// the header, unique well-formed ids, the mandatory package fields, and
// relationships between known elements with exactly one DESCRIBES.
func (d *Document) Validate() error {
	var errs []error
	if d.SPDXVersion != "SPDX-2.3" || d.DataLicense != "CC0-1.0" || d.SPDXID != "SPDXRef-DOCUMENT" {
		errs = append(errs, fmt.Errorf("header: spdxVersion %q, dataLicense %q, SPDXID %q", d.SPDXVersion, d.DataLicense, d.SPDXID))
	}
	if d.Name == "" || !strings.Contains(d.DocumentNamespace, "://") {
		errs = append(errs, fmt.Errorf("name %q or documentNamespace %q missing", d.Name, d.DocumentNamespace))
	}
	if _, err := time.Parse(time.RFC3339, d.CreationInfo.Created); err != nil || len(d.CreationInfo.Creators) == 0 {
		errs = append(errs, fmt.Errorf("creationInfo: created %q, %d creators", d.CreationInfo.Created, len(d.CreationInfo.Creators)))
	}
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	for _, p := range d.Packages {
		if !spdxIDValid.MatchString(p.SPDXID) || ids[p.SPDXID] {
			errs = append(errs, fmt.Errorf("package %q: bad or repeated SPDXID %q", p.Name, p.SPDXID))
		}
		ids[p.SPDXID] = true
		if p.Name == "" || p.VersionInfo == "" || p.DownloadLocation == "" || p.LicenseConcluded == "" || p.LicenseDeclared == "" || p.CopyrightText == "" {
			errs = append(errs, fmt.Errorf("package %q (%s): a mandatory field is empty", p.Name, p.SPDXID))
		}
		for _, c := range p.Checksums {
			if c.Algorithm != "SHA256" || len(c.ChecksumValue) != 64 {
				errs = append(errs, fmt.Errorf("package %q: checksum %+v", p.Name, c))
			}
		}
	}
	if len(d.Packages) < 2 {
		errs = append(errs, fmt.Errorf("%d packages: want the binary and at least the Go standard library", len(d.Packages)))
	}
	describes := 0
	for _, r := range d.Relationships {
		if !ids[r.SPDXElementID] || !ids[r.RelatedSPDXElement] {
			errs = append(errs, fmt.Errorf("relationship %+v names an unknown element", r))
		}
		if r.RelationshipType == "DESCRIBES" {
			describes++
		}
	}
	if describes != 1 {
		errs = append(errs, fmt.Errorf("%d DESCRIBES relationships, want 1", describes))
	}
	return errors.Join(errs...)
}

// ReadDocument decodes an SPDX document strictly (unknown fields are errors).
func ReadDocument(r io.Reader) (*Document, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("decode SPDX JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode SPDX JSON: data after the document")
	}
	return &d, nil
}
