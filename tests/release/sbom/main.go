// Command sbom writes an SPDX 2.3 JSON software bill of materials for a Go
// binary, read from the build information the Go linker embeds in it (the
// same data `go version -m FILE` prints): the main module, every module
// linked in with its version and go.sum hash, and the Go toolchain.
//
//	go run ./tests/release/sbom -version 1.2.3 -created 2026-12-01T00:00:00Z bin/release/wurepair-1.2.3-windows-amd64.exe
//
// The output depends only on its inputs (no clock, no randomness), so a
// reproducible binary gets a reproducible SBOM. tests/release/release.sh
// runs it for each released exe.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Version, "version", "", "the release version (the binary's main module has none: it is built from a checkout)")
	fs.StringVar(&o.Created, "created", "", "creation time, RFC 3339 UTC (use the commit time for reproducible output)")
	fs.StringVar(&o.NamespaceBase, "namespace", "https://github.com/wurepair/wurepair/spdx", "base URI of the document namespace")
	validate := fs.String("validate", "", "check that this SPDX JSON `FILE` is well-formed instead of writing one")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sbom -version V -created RFC3339 [-namespace URI] BINARY\n       sbom -validate SPDX.json")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *validate != "" {
		return validateFile(*validate, stderr)
	}
	if fs.NArg() != 1 || o.Version == "" || o.Created == "" {
		fs.Usage()
		return 2
	}
	doc, err := FromFile(fs.Arg(0), o)
	if err != nil {
		fmt.Fprintf(stderr, "sbom: %v\n", err)
		return 1
	}
	if err := doc.Write(stdout); err != nil {
		fmt.Fprintf(stderr, "sbom: %v\n", err)
		return 1
	}
	return 0
}

func validateFile(path string, stderr io.Writer) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "sbom: %v\n", err)
		return 1
	}
	defer f.Close()
	doc, err := ReadDocument(f)
	if err == nil {
		err = doc.Validate()
	}
	if err != nil {
		fmt.Fprintf(stderr, "sbom: %s: %v\n", path, err)
		return 1
	}
	return 0
}
