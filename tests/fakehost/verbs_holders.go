package fakehost

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wurepair/wurepair/scripts"
)

// maxHolderFiles is how many files Get-WurFileHolders registers at most.
const maxHolderFiles = 4096

// Get-WurFileHolders: the Restart Manager's answer (RmGetList) for the
// files under Path, walked breadth first down to MaxDepth levels (0: all),
// at most MaxFiles of them, without following a junction and skipping the
// folders that cannot be listed. Read-only.
func getFileHolders(c *Call) {
	s := c.state()
	raw := c.Str("Path")
	p, ok := cleanPath(raw)
	if !ok {
		c.refuse(raw, fmt.Sprintf("Path '%s' is not an absolute local path.", raw),
			fmt.Sprintf("Path « %s » n'est pas un chemin local absolu.", raw))
		return
	}
	key, e := s.lookup(p)
	if e == nil || e.Kind != kindDir {
		if e != nil {
			p = key
		}
		c.refuse(p, fmt.Sprintf("Path '%s' is not a folder (or is a junction or link, never followed).", p),
			fmt.Sprintf("Path « %s » n'est pas un dossier (ou est une jonction ou un lien, jamais suivi).", p))
		return
	}
	// Breadth first, MaxDepth levels (0: the whole tree), at most MaxFiles
	// files, as the script walks.
	maxDepth, maxFiles := c.Int("MaxDepth", 0), c.Int("MaxFiles", maxHolderFiles)
	depth := func(k string) int { return strings.Count(k[len(key):], `\`) }
	var hidden, found []string
	if s.unlistable(key) {
		hidden = append(hidden, key)
	}
	for _, k := range s.under(key) {
		if slices.ContainsFunc(hidden, func(h string) bool { return atOrInside(k, h) }) || (maxDepth > 0 && depth(k) > maxDepth) {
			continue
		}
		switch s.Files[k].Kind {
		case kindDir:
			if s.unlistable(k) {
				hidden = append(hidden, k)
			}
		case kindFile:
			found = append(found, k)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return depth(found[i]) < depth(found[j]) })
	truncated := len(found) > maxFiles
	if truncated {
		found = found[:maxFiles]
	}
	files := map[string]bool{}
	for _, k := range found {
		files[k] = true
	}
	c.Out(scripts.FileHoldersResult{Path: key, Holders: s.holdersOf(files), FilesChecked: len(files), Truncated: truncated})
}
