package app

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/internal/app/export"
)

func (d *deps) cmdExport() *cli.Command {
	sub := func(kind, usage string) *cli.Command {
		return &cli.Command{
			Name:      kind,
			Usage:     usage,
			ArgsUsage: "DIR",
			Flags: []cli.Flag{&cli.StringFlag{Name: "exe", Usage: "the wurepair.exe to package (`PATH`; default on Windows: this wurepair.exe)"},
				&cli.StringFlag{Name: "bootstrap-delivery", Value: deliveryCommand, Usage: "how the generated command lines have wurepair start its PowerShell session: command, or file (--bootstrap-delivery file: for AppLocker/WDAC estates, with a path or publisher rule for it)"},
				&cli.StringFlag{Name: "sign-cert", Usage: "sign every generated script with this code-signing certificate (`PEM` file; with --sign-key; needs osslsigncode). ConfigMgr's default All Signed policy refuses unsigned scripts"},
				&cli.StringFlag{Name: "sign-key", Usage: "the certificate's private key (`PEM` file)"},
				&cli.StringFlag{Name: "timestamp-url", Usage: "RFC 3161 timestamp server for the signatures (`URL`), so they outlive the certificate"},
				&cli.StringFlag{Name: "prune-after", Value: export.DefaultPruneAfter, Usage: "after a successful remediation, delete backup folders older than this (`DURATION`: 30d, 720h; \"never\": keep them)"}},
			Action: func(c *cli.Context) error {
				return d.export(c, kind)
			},
		}
	}
	return &cli.Command{
		Name:  "export",
		Usage: "write an Intune or ConfigMgr deployment package for a wurepair.exe into an empty directory",
		Description: "The package holds the exe, install/uninstall/detection scripts and a README with the console\n" +
			"steps. The scripts are generated for that exe (its SHA-256) and this version's exit codes.",
		Subcommands: []*cli.Command{
			sub("intune", "Win32 app (install to Program Files) + Remediations pair (detect / repair auto --yes)"),
			sub("sccm", "application deployment type (install + repair, detection, return codes) + Configuration Item"),
		},
	}
}

func (d *deps) export(c *cli.Context, kind string) error {
	if c.NArg() != 1 {
		return usagef("export %s takes one DIR (empty or new)", kind)
	}
	exePath := c.String("exe")
	if exePath == "" {
		if runtime.GOOS != "windows" {
			return usagef("export %s: pass --exe PATH, the wurepair.exe to deploy (this wurepair is not a Windows exe)", kind)
		}
		p, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this wurepair.exe: %w", err)
		}
		exePath = p
	}
	exe, err := os.ReadFile(exePath)
	if err != nil {
		return usagef("--exe: %w", err)
	}
	if err := export.CheckExe(exe); err != nil {
		return usagef("--exe %s: %w", exePath, err)
	}
	opts := export.Options{PruneAfter: c.String("prune-after")}
	switch c.String("bootstrap-delivery") {
	case deliveryCommand:
	case deliveryFile:
		opts.BootstrapFile = true
	default:
		return usagef("export %s: --bootstrap-delivery %q: want command or file", kind, c.String("bootstrap-delivery"))
	}
	if opts.PruneAfter == "never" {
		opts.PruneAfter = ""
	} else if _, err := parseDuration(opts.PruneAfter); err != nil {
		return usagef("export %s: --prune-after: %v", kind, err)
	}
	data, err := export.NewData(kind, d.env.Version, exitCodeTable(), exe, opts)
	if err != nil {
		return usagef("export %s: %w", kind, err)
	}
	sign := export.SignOptions{Cert: c.String("sign-cert"), Key: c.String("sign-key"), TimestampURL: c.String("timestamp-url")}
	if (sign.Cert == "") != (sign.Key == "") || sign.Cert == "" && sign.TimestampURL != "" {
		return usagef("export %s: --sign-cert and --sign-key go together (--timestamp-url needs them)", kind)
	}
	// What an admin must know before deploying this exe.
	if signed, err := export.ExeSigned(exe); err == nil && !signed {
		fmt.Fprintf(d.env.Stderr, "wurepair: warning: %s is not Authenticode-signed: AppLocker/WDAC publisher rules cannot allow it, and it cannot be told from a tampered copy\n", exePath)
	}
	if export.DevVersion(data.Version) {
		fmt.Fprintf(d.env.Stderr, "wurepair: warning: this is a development build (version %s): deploy a release build (make release)\n", data.Version)
	}
	dir := c.Args().First()
	names, err := export.Write(dir, data, exe)
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	if sign.Cert != "" {
		signed, err := export.SignScripts(c.Context, dir, names, sign)
		if err != nil {
			return fmt.Errorf("export %s: the package in %s is complete but not every script is signed (%d signed): %w", kind, dir, len(signed), err)
		}
		fmt.Fprintf(d.env.Stdout, "signed %d scripts with %s\n", len(signed), sign.Cert)
	}
	fmt.Fprintf(d.env.Stdout, "exported the %s package for wurepair %s (exe SHA-256 %s) to %s:\n", kind, data.Version, data.ExeSHA256, dir)
	for _, n := range names {
		fmt.Fprintf(d.env.Stdout, "  %s\n", n)
	}
	fmt.Fprintf(d.env.Stdout, "next: follow %s\n", filepath.Join(dir, "README.md"))
	return nil
}

// exitCodeTable reads the one exit-code table (exitcodes.go) as the
// packages need it: each code with its meaning, from exitCodesHelp.
func exitCodeTable() []export.ExitCode {
	var out []export.ExitCode
	sc := bufio.NewScanner(strings.NewReader(exitCodesHelp))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		code, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		out = append(out, export.ExitCode{Code: code, Meaning: strings.Join(f[1:], " ")})
	}
	return out
}
