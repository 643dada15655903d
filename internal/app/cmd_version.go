package app

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// commit is the source commit of a release build, set by the linker:
//
//	-ldflags "-X github.com/wurepair/wurepair/internal/app.commit=<sha>"
//
// (tests/release/release.sh does it; the version itself is main.version).
// The linker can only set a package-level string, so this is the one
// package variable here; nothing writes it at run time. Empty in a plain
// `go build`: then the commit comes from Go's VCS stamp when there is one.
var commit string

// buildFacts is what `wurepair version` reports about the binary itself.
type buildFacts struct {
	Version   string          `json:"version"`
	Commit    string          `json:"commit"`
	GoVersion string          `json:"goVersion"`
	Platform  string          `json:"platform"`
	Scripts   []scriptVersion `json:"scripts"`
}

type scriptVersion struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// buildCommit is the injected commit, else the VCS stamp of the build
// (with "+dirty" for a modified tree), else "unknown".
func buildCommit(injected string, info *debug.BuildInfo, ok bool) string {
	if injected != "" {
		return injected
	}
	if !ok || info == nil {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

func (d *deps) buildFacts() buildFacts {
	info, ok := debug.ReadBuildInfo()
	f := buildFacts{
		Version:   d.env.Version,
		Commit:    buildCommit(commit, info, ok),
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	for _, s := range d.everyScript() {
		f.Scripts = append(f.Scripts, scriptVersion{Name: s.Name, File: s.File, SHA256: s.SHA256})
	}
	return f
}

func (d *deps) cmdVersion() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, commit, Go version and the SHA-256 of every embedded script",
		Description: "`wurepair --version` prints the version alone. This command also says what the binary\n" +
			"is built from, so an audit can match it to a reviewed commit and reviewed scripts\n" +
			"(`wurepair scripts show NAME` prints a script; its SHA-256 is the one listed here).",
		Flags: []cli.Flag{outputFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("version takes no arguments")
			}
			format, err := outputFormat(c)
			if err != nil {
				return err
			}
			f := d.buildFacts()
			if format == "json" {
				return writeJSON(d.env.Stdout, struct {
					Schema int `json:"schema"`
					buildFacts
				}{1, f})
			}
			fmt.Fprintf(d.env.Stdout, "wurepair %s\ncommit   %s\ngo       %s %s\nscripts  %d embedded, SHA-256:\n",
				f.Version, f.Commit, f.GoVersion, f.Platform, len(f.Scripts))
			for _, s := range f.Scripts {
				if _, err := fmt.Fprintf(d.env.Stdout, "  %s  %s\n", s.SHA256, s.File); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
