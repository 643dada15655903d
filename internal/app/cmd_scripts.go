package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/scripts"
)

func (d *deps) cmdScripts() *cli.Command {
	return &cli.Command{
		Name:  "scripts",
		Usage: "list, show or export the embedded PowerShell scripts (exactly what runs)",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "list every embedded script with its purpose and SHA-256",
				Flags:  []cli.Flag{outputFlag()},
				Action: d.scriptsList,
			},
			{
				Name:      "show",
				Usage:     "print the exact text of one script",
				ArgsUsage: "NAME",
				Action:    d.scriptsShow,
			},
			{
				Name:      "export",
				Usage:     "write every script, the manifest and SHA256SUMS into an empty directory",
				ArgsUsage: "DIR",
				Action:    d.scriptsExport,
			},
		},
	}
}

// everyScript is the bootstrap, the safety library (scripts/lib: its text is
// also inside the bootstrap's) and the verbs.
func (d *deps) everyScript() []scripts.Script {
	all := append([]scripts.Script{d.catalog.Bootstrap()}, d.catalog.Library()...)
	return append(all, d.catalog.All()...)
}

// isLibrary reports whether s is a file of the safety library.
func isLibrary(s scripts.Script) bool {
	return strings.HasPrefix(s.File, scripts.LibraryDir+"/")
}

func (d *deps) scriptsList(c *cli.Context) error {
	format, err := outputFormat(c)
	if err != nil {
		return err
	}
	all := d.everyScript()
	if format == "json" {
		return writeJSON(d.env.Stdout, struct {
			Schema  int              `json:"schema"`
			Scripts []scripts.Script `json:"scripts"`
		}{1, all})
	}
	tw := tabwriter.NewWriter(d.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tSHA256\tPURPOSE")
	for _, s := range all {
		kind := "action"
		switch {
		case s.Name == "bootstrap":
			kind = "session"
		case isLibrary(s):
			kind = "library"
		case s.ReadOnly:
			kind = "probe"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, kind, s.SHA256[:16], s.Purpose)
	}
	return tw.Flush()
}

func (d *deps) lookup(name string) (scripts.Script, error) {
	if name == "bootstrap" {
		return d.catalog.Bootstrap(), nil
	}
	if s, ok := d.catalog.Get(name); ok {
		return s, nil
	}
	names := []string{"bootstrap"}
	for _, s := range d.catalog.Library() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	for _, s := range d.catalog.All() {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return scripts.Script{}, usagef("no script named %q; known: %s", name, strings.Join(names, ", "))
}

func (d *deps) scriptsShow(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("scripts show takes one NAME (see `wurepair scripts list`)")
	}
	s, err := d.lookup(c.Args().First())
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(d.env.Stdout, s.Text)
	return err
}

func (d *deps) scriptsExport(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("scripts export takes one DIR")
	}
	dir := c.Args().First()
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	case err != nil:
		return usagef("export directory %s: %w", dir, err)
	case len(entries) > 0:
		return usagef("export directory %s is not empty; choose an empty or new directory (nothing was written)", dir)
	}
	var sums strings.Builder
	for _, s := range d.everyScript() {
		if isLibrary(s) {
			// Beside the scripts: `. .\lib\WurSafety.ps1` first, then any
			// exported script runs alone.
			if err := os.MkdirAll(filepath.Join(dir, scripts.LibraryDir), 0o755); err != nil {
				return fmt.Errorf("export %s: %w", s.File, err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(s.File)), []byte(s.Text), 0o644); err != nil {
			return fmt.Errorf("export %s: %w", s.File, err)
		}
		fmt.Fprintf(&sums, "%s  %s\n", s.SHA256, s.File)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), scripts.ManifestJSON(), 0o644); err != nil {
		return fmt.Errorf("export manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		return fmt.Errorf("export SHA256SUMS: %w", err)
	}
	_, err = fmt.Fprintf(d.env.Stdout, "exported %d scripts to %s\n", len(d.everyScript()), dir)
	return err
}
