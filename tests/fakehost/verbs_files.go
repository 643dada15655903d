package fakehost

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// Get-WurSoftwareDistribution: the five folders, then the backups next to
// them. Sizes never follow a junction.
func getSoftwareDistribution(c *Call) {
	s := c.state()
	out := scripts.SoftwareDistributionResult{Folders: []scripts.FolderInfo{}, Backups: []scripts.BackupInfo{}}
	for _, wf := range watchedFolders {
		fi := scripts.FolderInfo{Name: wf.name, Path: wf.path, ReparsePoints: []string{}, Unreadable: []string{}}
		key, e := s.lookup(s.resolve(wf.path))
		if e != nil && e.Kind != kindFile {
			fi.Exists = true
			fi.IsReparsePoint = e.Kind == kindJunction
			if !fi.IsReparsePoint {
				fi.Files, fi.Bytes, fi.ReparsePoints, fi.Unreadable = s.measure(key)
			}
		}
		out.Folders = append(out.Folders, fi)
	}
	for _, wf := range watchedFolders {
		out.Backups = append(out.Backups, s.backupsOf(wf)...)
	}
	c.Out(out)
}

// backupsOf lists the folders named <name>.wurepair-<runid> next to wf.
func (s *MachineState) backupsOf(wf watchedFolder) []scripts.BackupInfo {
	parent := parentOf(wf.path)
	prefix := baseName(wf.path) + backupInfix
	var keys []string
	for k, e := range s.Files {
		if e.Kind == kindDir && samePath(parentOf(k), parent) && hasPrefixFold(baseName(k), prefix) && runIDRe.MatchString(baseName(k)[len(prefix):]) {
			keys = append(keys, k)
		}
	}
	sortFold(keys)
	out := make([]scripts.BackupInfo, 0, len(keys))
	for _, k := range keys {
		_, bytes, _, _ := s.measure(k)
		runID := baseName(k)[len(prefix):]
		out = append(out, scripts.BackupInfo{Path: k, Original: wf.path, RunId: runID,
			Created: s.backupCreated(runID, s.Files[k]), Bytes: bytes})
	}
	return out
}

// backupCreated is a backup's date as the script gives it: the run id's
// UTC timestamp when the id starts with one (yyyyMMddTHHmmssZ), else the
// folder's own date. (Real pwsh showed it: the fake used the folder's
// date even for a stamped run id.)
func (s *MachineState) backupCreated(runID string, e *FileEntry) string {
	if len(runID) >= 16 {
		if t, err := time.Parse("20060102T150405Z", runID[:16]); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
		}
	}
	return s.createdOf(e)
}

// mayRename: one of the five folders, or a folder inside SoftwareDistribution.
func mayRename(p string) bool {
	for _, wf := range watchedFolders {
		if samePath(p, wf.path) {
			return true
		}
	}
	if !inside(p, softwareDistribution) {
		return false
	}
	// Nothing inside a backup (...\X.wurepair-id\...) is ever a source
	// (the scripts' rule; real pwsh showed the fake accepted it).
	for _, seg := range strings.Split(p[len(softwareDistribution)+1:], `\`) {
		if strings.Contains(strings.ToLower(seg), backupInfix) {
			return false
		}
	}
	return true
}

// isBackupNameOf reports whether candidate is path + ".wurepair-<runid>"
// in the same folder.
func isBackupNameOf(path, candidate string) bool {
	prefix := baseName(path) + backupInfix
	name := baseName(candidate)
	return samePath(parentOf(candidate), parentOf(path)) && hasPrefixFold(name, prefix) && runIDRe.MatchString(name[len(prefix):])
}

// folderParam cleans a path parameter; a path that is not a full local
// path is refused.
func (c *Call) folderParam(name string) (string, bool) {
	raw := c.Str(name)
	p, ok := cleanPath(raw)
	if !ok {
		c.refuse(raw, fmt.Sprintf("%s '%s' is not an absolute local path.", name, raw),
			fmt.Sprintf("%s « %s » n'est pas un chemin local absolu.", name, raw))
	}
	return p, ok
}

// checkRenamable applies the path rules shared by Backup and Restore:
// Path may be renamed, and each other parameter is Path.wurepair-<runid>.
func (c *Call) checkRenamable(path string, others ...string) bool {
	if !mayRename(path) {
		c.refuse(path, fmt.Sprintf("'%s' is not a folder wurepair may rename (SoftwareDistribution and what is inside it, catroot2, the BITS queue folder).", path),
			fmt.Sprintf("« %s » n'est pas un dossier que wurepair peut renommer (SoftwareDistribution et son contenu, catroot2, le dossier de la file BITS).", path))
		return false
	}
	for _, o := range others {
		if !isBackupNameOf(path, o) {
			c.refuse(o, fmt.Sprintf("'%s' is not '%s%s<runid>' in the same folder.", o, baseName(path), backupInfix),
				fmt.Sprintf("« %s » n'est pas « %s%s<runid> » dans le même dossier.", o, baseName(path), backupInfix))
			return false
		}
	}
	if j, ok := c.state().junctionAbove(path); ok {
		c.refuse(path, fmt.Sprintf("'%s' lies behind the junction '%s': junctions are never followed.", path, j),
			fmt.Sprintf("« %s » se trouve derrière la jonction « %s » : les jonctions ne sont jamais suivies.", path, j))
		return false
	}
	return true
}

// checkRealDir refuses an entry that is a junction or not a folder.
func (c *Call) checkRealDir(key string, e *FileEntry) bool {
	switch e.Kind {
	case kindJunction:
		c.refuse(key, fmt.Sprintf("'%s' is a junction (reparse point): it is never renamed, removed nor followed.", key),
			fmt.Sprintf("« %s » est une jonction (point d'analyse) : elle n'est jamais renommée, supprimée ni suivie.", key))
		return false
	case kindFile:
		c.refuse(key, fmt.Sprintf("'%s' is not a directory.", key), fmt.Sprintf("« %s » n'est pas un répertoire.", key))
		return false
	}
	return true
}

// checkAbsent refuses a rename target that exists.
func (c *Call) checkAbsent(p string) bool {
	if k, e := c.state().lookup(p); e != nil {
		c.refuse(k, fmt.Sprintf("'%s' already exists.", k), fmt.Sprintf("« %s » existe déjà.", k))
		return false
	}
	return true
}

// checkUnlocked fails like Directory.Move on Windows when a running
// service holds a file in the tree (MoveFile: ERROR_ACCESS_DENIED for a
// folder with an open file inside), or when the host is not elevated.
// target is the path the script names (its normalised parameter).
func (c *Call) checkUnlocked(target, key string) bool {
	if !c.isAdmin() {
		c.renameFailure(target, hrAccessDenied)
		return false
	}
	if _, _, locked := c.state().lockedIn(key); locked {
		c.renameFailure(target, hrAccessDenied)
		return false
	}
	return true
}

// Backup-WurFolder: rename Path to BackupPath, recreate Path empty with
// the original's DACL (explicit ACEs and protection copied; the inherited
// ones come again from the same parent, so the whole DACL is as before).
func backupFolder(c *Call) {
	s := c.state()
	path, ok := c.folderParam("Path")
	if !ok {
		return
	}
	backup, ok := c.folderParam("BackupPath")
	if !ok || !c.checkRenamable(path, backup) {
		return
	}
	key, e := s.lookup(path)
	if e == nil {
		c.refuse(path, fmt.Sprintf("'%s' does not exist.", path), fmt.Sprintf("« %s » n'existe pas.", path))
		return
	}
	if !c.checkRealDir(key, e) || !c.checkAbsent(backup) {
		return
	}
	res := scripts.BackupFolderResult{Path: path, BackupPath: backup, WhatIf: c.CheckMode} // normalised, as the script
	if !c.CheckMode {
		if !c.checkUnlocked(path, key) {
			return
		}
		if hr, fails := s.renameFault(key); fails {
			c.renameFailure(path, hr)
			return
		}
		dacl := e.Security
		s.move(key, s.canon(backup))
		res.Renamed = true
		if hr, fails := s.securityFault(key); fails {
			res.SecurityHResult = hr.Int64()
		} else {
			s.mkdir(key)
			s.Files[key].Security = dacl
			res.Recreated, res.SecurityCopied = true, true
		}
	}
	c.Out(res)
}

// renameFault is the RenameFails knob for a folder at or under a prefix.
func (s *MachineState) renameFault(key string) (HResult, bool) {
	prefixes := keysOf(s.Faults.RenameFails)
	sort.Strings(prefixes)
	for _, p := range prefixes {
		if atOrInside(key, p) {
			return s.Faults.RenameFails[p], true
		}
	}
	return 0, false
}

// Restore-WurFolder: set aside what stands at Path (an empty folder is
// removed instead), then rename BackupPath to Path.
func restoreFolder(c *Call) {
	s := c.state()
	path, ok := c.folderParam("Path")
	if !ok {
		return
	}
	backup, ok := c.folderParam("BackupPath")
	if !ok {
		return
	}
	aside, ok := c.folderParam("SetAsidePath")
	if !ok || !c.checkRenamable(path, backup, aside) {
		return
	}
	if samePath(backup, aside) {
		c.refuse(aside, "SetAsidePath must differ from BackupPath.", "SetAsidePath doit être différent de BackupPath.")
		return
	}
	bkey, be := s.lookup(backup)
	if be == nil {
		c.backupMissing(backup)
		return
	}
	if !c.checkRealDir(bkey, be) {
		return
	}
	pkey, pe := s.lookup(path)
	if pe != nil && !c.checkRealDir(pkey, pe) || !c.checkAbsent(aside) {
		return
	}
	setAside := pe != nil && !s.isDirEmpty(pkey)
	res := scripts.RestoreFolderResult{Path: path, BackupPath: backup, WhatIf: c.CheckMode} // normalised, as the script
	if setAside {
		res.SetAsidePath = aside
	}
	if !c.CheckMode {
		if pe != nil && !c.checkUnlocked(path, pkey) || !c.checkUnlocked(backup, bkey) {
			return
		}
		switch {
		case setAside:
			s.move(pkey, s.canon(aside))
		case pe != nil:
			s.removeTree(pkey)
		}
		s.move(bkey, s.canon(path))
		res.Restored = true
	} else {
		res.SetAsidePath = ""
	}
	c.Out(res)
}

// Remove-WurBackup: delete one <folder>.wurepair-<runid> folder.
func removeBackup(c *Call) {
	s := c.state()
	path, ok := c.folderParam("Path")
	if !ok {
		return
	}
	named := false
	for _, wf := range watchedFolders {
		named = named || isBackupNameOf(wf.path, path)
	}
	if !named {
		c.refuse(path, fmt.Sprintf("'%s' is not a wurepair backup (<folder>%s<runid> next to a folder wurepair backs up).", path, backupInfix),
			fmt.Sprintf("« %s » n'est pas une sauvegarde de wurepair (<dossier>%s<runid> à côté d'un dossier que wurepair sauvegarde).", path, backupInfix))
		return
	}
	if j, ok := s.junctionAbove(path); ok {
		c.refuse(path, fmt.Sprintf("'%s' lies behind the junction '%s': junctions are never followed.", path, j),
			fmt.Sprintf("« %s » se trouve derrière la jonction « %s » : les jonctions ne sont jamais suivies.", path, j))
		return
	}
	key, e := s.lookup(path)
	if e == nil { // already gone: nothing to do, as the script
		c.Out(scripts.RemoveBackupResult{Path: path, WhatIf: c.CheckMode})
		return
	}
	if !c.checkRealDir(key, e) {
		return
	}
	if !c.CheckMode {
		// The script wraps any failure part way as WurRemoveFailed.
		hr := HResult(0)
		if !c.isAdmin() {
			hr = hrAccessDenied
		} else if _, _, locked := s.lockedIn(key); locked {
			hr = hrSharingViolation
		}
		if hr != 0 {
			r := c.ioRecord("RemoveItem", key, hr)
			r.FQID, r.Target = "WurRemoveFailed", c.Str("Path")
			c.throw(r)
			return
		}
		s.removeTree(key)
	}
	c.Out(scripts.RemoveBackupResult{Path: path, Removed: !c.CheckMode, WhatIf: c.CheckMode})
}
