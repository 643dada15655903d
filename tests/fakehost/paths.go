package fakehost

import (
	"regexp"
	"strings"
)

// The simulated machine's fixed layout: %SystemRoot% is C:\Windows and
// %ProgramData% is C:\ProgramData, as on nearly every Windows.
const (
	systemRoot           = `C:\Windows`
	programData          = `C:\ProgramData`
	system32             = systemRoot + `\System32`
	sysWOW64             = systemRoot + `\SysWOW64`
	softwareDistribution = systemRoot + `\SoftwareDistribution`
	dataStoreDir         = softwareDistribution + `\DataStore`
	downloadDir          = softwareDistribution + `\Download`
	catroot2Dir          = system32 + `\catroot2`
	downloaderDir        = programData + `\Microsoft\Network\Downloader`
	// dataStoreEDB is the update agent's database: its history lives there.
	dataStoreEDB = dataStoreDir + `\DataStore.edb`
)

// watchedFolder is one of the five folders Get-WurSoftwareDistribution
// reports and Backup-WurFolder may rename.
type watchedFolder struct{ name, path string }

// watchedFolders, in the order Get-WurSoftwareDistribution reports them.
var watchedFolders = []watchedFolder{
	{"SoftwareDistribution", softwareDistribution},
	{"DataStore", dataStoreDir},
	{"Download", downloadDir},
	{"catroot2", catroot2Dir},
	{"Downloader", downloaderDir},
}

// runIDRe is what a backup name may carry after ".wurepair-".
var runIDRe = regexp.MustCompile(`^[0-9A-Za-z-]+$`)

// backupInfix joins a folder's name and the run id in a backup's name.
const backupInfix = ".wurepair-"

// cleanPath makes p a full local path the way [IO.Path]::GetFullPath does
// on Windows PowerShell 5.1: / becomes \, repeated separators and "."
// collapse, ".." climbs, trailing dots and spaces of a name are dropped, the
// drive letter is upper-cased. Relative, UNC, device (\\?\) paths and
// paths with characters NTFS forbids (alternate streams included) are
// not local paths: ok is false.
func cleanPath(p string) (clean string, ok bool) {
	p = strings.ReplaceAll(p, "/", `\`)
	if len(p) < 3 || !isDriveLetter(p[0]) || p[1] != ':' || p[2] != '\\' {
		return "", false
	}
	rest := p[3:]
	for _, r := range rest {
		if r < 0x20 || strings.ContainsRune(`<>"|?*:`, r) {
			return "", false
		}
	}
	var parts []string
	for _, name := range strings.Split(rest, `\`) {
		switch name {
		case "", ".":
			continue
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
			continue
		}
		if name = strings.TrimRight(name, ". "); name != "" {
			parts = append(parts, name)
		}
	}
	return strings.ToUpper(p[:1]) + `:\` + strings.Join(parts, `\`), true
}

func isDriveLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// isRoot reports a drive root ("C:\").
func isRoot(p string) bool { return len(p) == 3 }

// parentOf returns the folder holding p ("" for a drive root).
func parentOf(p string) string {
	if isRoot(p) {
		return ""
	}
	i := strings.LastIndexByte(p, '\\')
	if i == 2 {
		return p[:3]
	}
	return p[:i]
}

// baseName is the last name of p.
func baseName(p string) string { return p[strings.LastIndexByte(p, '\\')+1:] }

// samePath compares paths the way NTFS does: case-insensitively.
func samePath(a, b string) bool { return strings.EqualFold(a, b) }

// inside reports whether p is strictly inside dir (case-insensitive).
func inside(p, dir string) bool {
	if isRoot(dir) {
		return len(p) > 3 && strings.EqualFold(p[:3], dir)
	}
	return len(p) > len(dir)+1 && p[len(dir)] == '\\' && strings.EqualFold(p[:len(dir)], dir)
}

// atOrInside reports p == dir or p inside dir.
func atOrInside(p, dir string) bool { return samePath(p, dir) || inside(p, dir) }

// hasPrefixFold is strings.HasPrefix, case-insensitive.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ancestors lists p's folders from the drive root's child down to p's
// parent (the root itself is not an entry of the simulated file system).
func ancestors(p string) []string {
	var out []string
	for a := parentOf(p); a != "" && !isRoot(a); a = parentOf(a) {
		out = append([]string{a}, out...)
	}
	return out
}

// expandEnv expands the environment variables a registry REG_EXPAND_SZ
// value may hold, case-insensitively; unknown ones stay as written
// (as [Environment]::ExpandEnvironmentVariables leaves them).
func expandEnv(s string) string {
	vars := map[string]string{
		"systemroot": systemRoot, "windir": systemRoot, "systemdrive": "C:",
		"programdata": programData, "programfiles": `C:\Program Files`,
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		if v, ok := vars[strings.ToLower(name)]; ok {
			b.WriteString(s[:i] + v)
		} else {
			b.WriteString(s[:i+2+j])
		}
		s = s[i+2+j:]
	}
	b.WriteString(s)
	return b.String()
}
