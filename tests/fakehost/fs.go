package fakehost

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// LookupFile finds the entry at path, case-insensitively, and returns its
// canonical path. It does not resolve junctions.
func (s *MachineState) LookupFile(path string) (string, *FileEntry) {
	c, ok := cleanPath(path)
	if !ok {
		return "", nil
	}
	return s.lookup(c)
}

// lookup finds a clean path's entry.
func (s *MachineState) lookup(clean string) (string, *FileEntry) {
	if e, ok := s.Files[clean]; ok {
		return clean, e
	}
	for k, e := range s.Files {
		if samePath(k, clean) {
			return k, e
		}
	}
	return "", nil
}

// resolve is where Windows finds a clean path when it follows junctions
// on the way (Test-Path and Get-Item do, for every folder above the
// item): an ancestor that is a junction is replaced by its target.
func (s *MachineState) resolve(clean string) string {
	for range 8 { // junction chains end; loops do not resolve
		j, ok := s.junctionAbove(clean)
		if !ok {
			return clean
		}
		e := s.Files[j]
		clean = e.Target + clean[len(j):]
	}
	return clean
}

// junctionAbove finds a junction among p's folders (p itself excluded).
func (s *MachineState) junctionAbove(p string) (string, bool) {
	for _, a := range ancestors(p) {
		if k, e := s.lookup(a); e != nil && e.Kind == kindJunction {
			return k, true
		}
	}
	return "", false
}

// canon writes a clean path in the case of the entries that exist on its
// way; names that do not exist keep the case they were given.
func (s *MachineState) canon(clean string) string {
	if isRoot(clean) {
		return clean
	}
	if k, e := s.lookup(clean); e != nil {
		return k
	}
	parent := s.canon(parentOf(clean))
	if isRoot(parent) {
		return parent + baseName(clean)
	}
	return parent + `\` + baseName(clean)
}

// under lists the entries strictly inside dir, sorted. Junctions'
// contents are never stored under them, so nothing here follows one.
func (s *MachineState) under(dir string) []string {
	var out []string
	for k := range s.Files {
		if inside(k, dir) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// isDirEmpty reports a folder with nothing inside.
func (s *MachineState) isDirEmpty(dir string) bool {
	for k := range s.Files {
		if inside(k, dir) {
			return false
		}
	}
	return true
}

// unlistable reports whether a folder cannot be listed: access denied.
// Long paths are not a reason (issue 20 item 2): the scripts walk with
// \\?\-prefixed paths (ConvertTo-WurLongPath in scripts/lib), which
// .NET Framework 4.6.2+ hands to Win32 unchanged, so MAX_PATH (260; 248
// for a folder) does not apply ("Maximum Path Length Limitation",
// learn.microsoft.com/windows/win32/fileio/maximum-file-path-limitation).
func (s *MachineState) unlistable(dir string) bool {
	_, e := s.lookup(dir)
	return e != nil && e.Denied
}

// measure counts the files and bytes inside dir and lists the junctions
// found there, without following them, and the folders that could not be
// listed (nothing inside those is seen), as Get-WurSoftwareDistribution's
// walk does.
func (s *MachineState) measure(dir string) (files, bytes int64, reparse, unreadable []string) {
	reparse, unreadable = []string{}, []string{}
	if s.unlistable(dir) {
		return 0, 0, reparse, []string{dir}
	}
	var hidden []string // unreadable folders: what is inside is not seen
	for _, k := range s.under(dir) {
		if slices.ContainsFunc(hidden, func(h string) bool { return inside(k, h) }) {
			continue
		}
		switch e := s.Files[k]; e.Kind {
		case kindFile:
			files++
			bytes += e.Size
		case kindJunction:
			reparse = append(reparse, k)
		case kindDir:
			if s.unlistable(k) {
				hidden = append(hidden, k)
				unreadable = append(unreadable, k)
			}
		}
	}
	sortFold(unreadable)
	return files, bytes, reparse, unreadable
}

// move renames the entry at from, and everything inside it, to to. A
// junction inside moves as a link: its target is untouched.
func (s *MachineState) move(from, to string) {
	moved := map[string]*FileEntry{}
	for k, e := range s.Files {
		if atOrInside(k, from) {
			moved[to+k[len(from):]] = e
			delete(s.Files, k)
		}
	}
	for k, e := range moved {
		s.Files[k] = e
	}
}

// removeTree deletes p and what is inside it (a junction inside is
// deleted as a link; its target is untouched).
func (s *MachineState) removeTree(p string) {
	for k := range s.Files {
		if atOrInside(k, p) {
			delete(s.Files, k)
		}
	}
}

// mkdir creates an empty folder now.
func (s *MachineState) mkdir(p string) {
	if s.Files == nil {
		s.Files = map[string]*FileEntry{}
	}
	s.Files[p] = &FileEntry{Kind: kindDir, Created: s.Now}
}

// isDir reports a real folder (not a junction) at a clean path.
func (s *MachineState) isDir(p string) bool {
	_, e := s.lookup(p)
	return e != nil && e.Kind == kindDir
}

// fileVersion is the FileVersion of the file at a clean path ("" when
// there is no file), following junctions above it as Get-Item does.
func (s *MachineState) fileVersion(p string) (exists bool, version string) {
	_, e := s.lookup(s.resolve(p))
	if e == nil || e.Kind != kindFile {
		return false, ""
	}
	return true, e.Version
}

// createdOf is an entry's creation time as the scripts write dates:
// ISO 8601 ('o') in UTC.
func (s *MachineState) createdOf(e *FileEntry) string {
	if e.Created != "" {
		return isoTime(e.Created)
	}
	return isoTime(s.Now)
}

// isoTime turns an RFC 3339 time into what .ToUniversalTime().ToString('o')
// writes: 2024-06-01T12:00:00.0000000Z.
func isoTime(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

func (s *MachineState) now() time.Time {
	t, _ := time.Parse(time.RFC3339, s.Now)
	return t
}

// hasSuffixFold is strings.HasSuffix, case-insensitive.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
