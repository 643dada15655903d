// Package export writes the Intune and ConfigMgr deployment packages of
// `wurepair export intune|sccm DIR`: PowerShell scripts (valid for Windows
// PowerShell 5.1 and pwsh 7, ASCII only, nothing written to stderr),
// README files with the console steps, and the ConfigMgr return-code table,
// all rendered from the templates in templates/ for one wurepair.exe.
//
// The scripts call the installed exe at <Program Files>\wurepair\wurepair.exe
// (the 64-bit folder, found through the OS, never the environment). Each
// takes -WurepairPath so tests can run it against a stub; Intune and
// ConfigMgr run scripts without parameters, so production always gets the
// default.
package export

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
)

//go:embed templates
var templates embed.FS

// ExitCode is one row of wurepair's exit-code table (internal/app/exitcodes.go).
type ExitCode struct {
	Code    int
	Meaning string
}

// Exit codes with a fixed meaning for the deployment tools.
const (
	codeSuccess = 0
	codeBusy    = 1618 // ERROR_INSTALL_ALREADY_RUNNING: ConfigMgr "Fast Retry"
	codeReboot  = 3010 // ERROR_SUCCESS_REBOOT_REQUIRED: ConfigMgr "Soft Reboot"
)

// ConfigMgrType is the return-code type of the code in a ConfigMgr
// deployment type: Success, Soft Reboot, Fast Retry or Failure.
func (e ExitCode) ConfigMgrType() string {
	switch e.Code {
	case codeSuccess:
		return "Success"
	case codeReboot:
		return "Soft Reboot"
	case codeBusy:
		return "Fast Retry"
	}
	return "Failure"
}

// Kinds lists the packages Files can make.
var Kinds = []string{"intune", "sccm"}

// Data is what the templates see.
type Data struct {
	Kind            string
	Version         string
	ExitCodes       []ExitCode
	ExeSHA256       string // upper-case hex, as Get-FileHash prints it
	RebootCode      int
	RepairOnInstall bool   // the install script takes -Repair (ConfigMgr)
	LogDirDoc       string // where the CMTrace log goes, for the help text
	LogDirExpr      string // the same, as a PowerShell expression (FullLanguage)
	LogDirRegKey    string // ConstrainedLanguage: the registry key,
	LogDirRegValue  string // value
	LogDirRegSub    string // and subfolder that name the same folder
	LogFile         string
	// Options (Options): how the generated command lines run wurepair.
	BootstrapFile  bool     // --bootstrap-delivery file (AppLocker/WDAC)
	PruneAfter     string   // after a successful remediation, prune backups older than this ("": never)
	RepairArgs     []string // the remediation's wurepair arguments (before the log file)
	RepairCommand  string   // the same, as one line for the help text
	MaxDurationDoc string   // the remediation's time budget, for the README ("" none)
}

// Options are the export's choices (flags of `wurepair export`).
type Options struct {
	BootstrapFile bool
	PruneAfter    string // a wurepair duration (30d); "" to never prune
}

// DefaultPruneAfter is how old a backup must be before the remediation
// prunes it after a success: a month is long enough to notice a repair
// that went wrong and roll it back.
const DefaultPruneAfter = "30d"

// SCCMMaxDuration is the Configuration Item remediation's time budget:
// under ConfigMgr's longest script timeout (600 s), with a margin.
const SCCMMaxDuration = "540s"

// layout maps each output file to its template, per kind.
var layout = map[string][][2]string{
	"intune": {
		{"README.md", "intune/README.md.tmpl"},
		{"Remediations/Detect-WurepairHealth.ps1", "intune/Detect-WurepairHealth.ps1.tmpl"},
		{"Remediations/Remediate-WurepairHealth.ps1", "intune/Remediate-WurepairHealth.ps1.tmpl"},
		{"Win32App/source/Install-Wurepair.ps1", "intune/Install-Wurepair.ps1.tmpl"},
		{"Win32App/source/Uninstall-Wurepair.ps1", "intune/Uninstall-Wurepair.ps1.tmpl"},
		{"Win32App/Detect-WurepairInstalled.ps1", "intune/Detect-WurepairInstalled.ps1.tmpl"},
	},
	"sccm": {
		{"README.md", "sccm/README.md.tmpl"},
		{"Application/source/Install-Wurepair.ps1", "sccm/Install-Wurepair.ps1.tmpl"},
		{"Application/source/Uninstall-Wurepair.ps1", "sccm/Uninstall-Wurepair.ps1.tmpl"},
		{"Application/Detect-WurepairApplication.ps1", "sccm/Detect-WurepairApplication.ps1.tmpl"},
		{"Application/ReturnCodes.csv", "sccm/ReturnCodes.csv.tmpl"},
		{"ConfigurationItem/Discover-WurepairHealth.ps1", "sccm/Discover-WurepairHealth.ps1.tmpl"},
		{"ConfigurationItem/Remediate-WurepairHealth.ps1", "sccm/Remediate-WurepairHealth.ps1.tmpl"},
	},
}

// ExePath is where each package carries the wurepair.exe it installs.
var ExePath = map[string]string{"intune": "Win32App/source/wurepair.exe", "sccm": "Application/source/wurepair.exe"}

var (
	versionOK  = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+-]*$`)
	durationOK = regexp.MustCompile(`^([0-9]{1,4}d)?([0-9]{1,6}(h|m|s))*$`)
)

// CheckExe refuses what is not a Windows executable.
func CheckExe(exe []byte) error {
	if len(exe) < 2 || exe[0] != 'M' || exe[1] != 'Z' {
		return errors.New("not a Windows executable (no MZ header): pass the wurepair.exe to deploy")
	}
	return nil
}

// NewData checks its inputs and fills in what depends on the kind; exe is
// the content of the wurepair.exe the package installs.
func NewData(kind, version string, codes []ExitCode, exe []byte, opts Options) (Data, error) {
	if _, ok := layout[kind]; !ok {
		return Data{}, fmt.Errorf("unknown package kind %q (want %s)", kind, strings.Join(Kinds, " or "))
	}
	if !versionOK.MatchString(version) {
		return Data{}, fmt.Errorf("version %q: want letters, digits, '.', '+' and '-' only", version)
	}
	if len(exe) == 0 {
		return Data{}, errors.New("the exe to package is empty")
	}
	seen := map[int]bool{}
	for _, c := range codes {
		if seen[c.Code] || c.Meaning == "" {
			return Data{}, fmt.Errorf("exit code table: code %d repeated or without meaning", c.Code)
		}
		for _, r := range c.Meaning {
			if r > 0x7e || r < 0x20 {
				return Data{}, fmt.Errorf("exit code %d: meaning must be printable ASCII (Windows PowerShell 5.1 reads scripts as ANSI)", c.Code)
			}
		}
		seen[c.Code] = true
	}
	for _, want := range []int{codeSuccess, codeBusy, codeReboot} {
		if !seen[want] {
			return Data{}, fmt.Errorf("exit code table lacks %d", want)
		}
	}
	sorted := append([]ExitCode(nil), codes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Code < sorted[j].Code })
	sum := sha256.Sum256(exe)
	if opts.PruneAfter != "" && !durationOK.MatchString(opts.PruneAfter) {
		return Data{}, fmt.Errorf("prune age %q: want a duration such as 30d or 720h", opts.PruneAfter)
	}
	d := Data{Kind: kind, Version: version, ExitCodes: sorted, ExeSHA256: strings.ToUpper(hex.EncodeToString(sum[:])), RebootCode: codeReboot,
		BootstrapFile: opts.BootstrapFile, PruneAfter: opts.PruneAfter,
		RepairArgs: []string{"repair", "auto", "--yes", "--recover"}}
	if kind == "sccm" {
		// ConfigMgr stops a compliance script after its script timeout
		// (600 s at most): the run must end before that, with its journal
		// closed, rather than be killed mid-plan.
		d.RepairArgs = append(d.RepairArgs, "--max-duration", SCCMMaxDuration)
		d.MaxDurationDoc = SCCMMaxDuration
	}
	d.RepairCommand = strings.Join(d.RepairArgs, " ")
	switch kind {
	case "intune":
		d.LogDirDoc = `the Intune Management Extension's Logs folder (%ProgramData%\Microsoft\IntuneManagementExtension\Logs)`
		d.LogDirExpr = `(Join-Path ([Environment]::GetFolderPath('CommonApplicationData')) 'Microsoft\IntuneManagementExtension\Logs')`
		d.LogDirRegKey, d.LogDirRegValue, d.LogDirRegSub = `HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\Shell Folders`, "Common AppData", `Microsoft\IntuneManagementExtension\Logs`
		d.LogFile = "wurepair-intune.log"
	case "sccm":
		d.RepairOnInstall = true
		d.LogDirDoc = `the ConfigMgr client's log folder (%WINDIR%\CCM\Logs)`
		d.LogDirExpr = `(Join-Path ([Environment]::GetFolderPath('Windows')) 'CCM\Logs')`
		d.LogDirRegKey, d.LogDirRegValue, d.LogDirRegSub = `HKLM:\SOFTWARE\Microsoft\CCM\Logging\@Global`, "LogDirectory", "."
		d.LogFile = "wurepair-configmgr.log"
	}
	return d, nil
}

// psq escapes s for a PowerShell single-quoted string.
func psq(s string) string { return strings.ReplaceAll(s, "'", "''") }

// Files renders the package: slash-separated relative path -> content.
// The exe itself is not included (see ExePath).
func Files(d Data) (map[string][]byte, error) {
	t, err := template.New("").Funcs(template.FuncMap{"psq": psq}).Option("missingkey=error").
		ParseFS(templates, "templates/common.tmpl", "templates/"+d.Kind+"/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	out := map[string][]byte{}
	for _, f := range layout[d.Kind] {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, path.Base(f[1]), d); err != nil {
			return nil, fmt.Errorf("render %s: %w", f[0], err)
		}
		text := b.String()
		if strings.HasSuffix(f[0], ".ps1") {
			// Windows PowerShell 5.1 reads a BOM-less script as ANSI: keep it
			// ASCII, and CRLF like every file Windows tools write.
			for i, r := range text {
				if r > 0x7e && r != '\n' || r < 0x20 && r != '\n' && r != '\t' {
					return nil, fmt.Errorf("render %s: non-ASCII or control character %q at byte %d", f[0], r, i)
				}
			}
		}
		out[f[0]] = []byte(strings.ReplaceAll(text, "\n", "\r\n"))
	}
	return out, nil
}

// Write writes the package and the exe into dir, which must be empty or
// not exist yet; it returns the paths written.
func Write(dir string, d Data, exe []byte) ([]string, error) {
	files, err := Files(d)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("export directory %s: %w", dir, err)
	case len(entries) > 0:
		return nil, fmt.Errorf("export directory %s is not empty; choose an empty or new directory (nothing was written)", dir)
	}
	files[ExePath[d.Kind]] = exe
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
	}
	return names, nil
}
