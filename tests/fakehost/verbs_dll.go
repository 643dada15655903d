package fakehost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wurepair/wurepair/scripts"
)

// dllViews are the folders a DLL is looked up in, with their registry
// view: System32 ("64", the only one on 32-bit Windows) and, on 64-bit
// Windows, SysWOW64 ("32").
func (c *Call) dllViews() []struct{ dir, view string } {
	views := []struct{ dir, view string }{{system32, "64"}}
	if c.is64BitOS() {
		views = append(views, struct{ dir, view string }{sysWOW64, "32"})
	}
	return views
}

func (c *Call) dllFile(dir, view, name string) scripts.DllFile {
	path := dir + `\` + name
	exists, version := c.state().fileVersion(path)
	return scripts.DllFile{Name: name, Path: path, Exists: exists, Version: version, View: view}
}

// Get-WurWups2Registration: wups2.dll on disk, and every CLSID whose
// InprocServer32 (expanded) ends with wups2.dll, per registry view.
func getWups2Registration(c *Call) {
	out := scripts.Wups2Result{Is64BitOS: c.is64BitOS(), Files: []scripts.DllFile{}, Registrations: []scripts.ComRegistration{}}
	for _, v := range c.dllViews() {
		out.Files = append(out.Files, c.dllFile(v.dir, v.view, "wups2.dll"))
	}
	for _, v := range c.dllViews() {
		out.Registrations = append(out.Registrations, c.state().registrations(v.view, "wups2.dll")...)
	}
	c.Out(out)
}

// registrations lists the CLSIDs of a view whose server ends with suffix.
func (s *MachineState) registrations(view, suffix string) []scripts.ComRegistration {
	ids := sortedKeys(s.CLSID[view])
	var out []scripts.ComRegistration
	for _, id := range ids {
		if server := expandEnv(s.CLSID[view][id]); hasSuffixFold(server, suffix) {
			out = append(out, scripts.ComRegistration{Clsid: id, View: view, Server: server})
		}
	}
	return out
}

// bareDLLName: a file name ending in .dll, no path.
func bareDLLName(n string) bool {
	return hasSuffixFold(n, ".dll") && len(n) > len(".dll") && !strings.ContainsAny(n, `\/:<>"|?*`) && strings.Trim(n, ". ") != ""
}

// Get-WurDllPresence: each name in System32 and, on 64-bit, SysWOW64.
func getDllPresence(c *Call) {
	names := c.Strs("Names")
	for _, n := range names {
		if !bareDLLName(n) {
			c.refuseName(n)
			return
		}
	}
	out := scripts.DllPresenceResult{Files: []scripts.DllFile{}}
	for _, n := range names {
		for _, v := range c.dllViews() {
			out.Files = append(out.Files, c.dllFile(v.dir, v.view, n))
		}
	}
	c.Out(out)
}

// Register-WurDll: regsvr32 /s with the matching bitness; its exit code is
// data. Success writes the DLL's CLSIDs in the view of its folder.
func registerDll(c *Call) {
	s := c.state()
	raw := c.Str("Path")
	p, ok := cleanPath(raw)
	dir, view := "", ""
	if ok && hasSuffixFold(p, ".dll") {
		for _, v := range []struct{ dir, view string }{{system32, "64"}, {sysWOW64, "32"}} {
			if samePath(parentOf(p), v.dir) {
				dir, view = v.dir, v.view
			}
		}
	}
	if dir == "" {
		c.refuse(raw, fmt.Sprintf("'%s' is not a .dll directly in System32 or SysWOW64.", raw),
			fmt.Sprintf("« %s » n'est pas une .dll directement dans System32 ou SysWOW64.", raw))
		return
	}
	res := scripts.RegisterDllResult{Path: raw, ExitCode: -1, WhatIf: c.CheckMode}
	key, e := s.lookup(p)
	if e == nil || e.Kind != kindFile {
		c.Out(res)
		return
	}
	res.Exists = true
	if c.CheckMode { // nothing runs: ExitCode stays -1, as the script
		c.Out(res)
		return
	}
	regsvr32 := dir + `\regsvr32.exe`
	if _, exe := s.lookup(regsvr32); exe == nil || exe.Kind != kindFile {
		c.programMissing(regsvr32)
		return
	}
	b := s.dllBehavior(key)
	if b.Regsvr32Hangs { // killed with its children after TimeoutSec
		res.TimedOut = true
		c.Out(res)
		return
	}
	res.ExitCode = b.Regsvr32Exit
	if res.ExitCode == 0 && !c.isAdmin() {
		res.ExitCode = 5 // DllRegisterServer cannot write HKLM
	}
	if res.ExitCode == 0 {
		for _, id := range b.Registers {
			if s.CLSID == nil {
				s.CLSID = map[string]map[string]string{}
			}
			if s.CLSID[view] == nil {
				s.CLSID[view] = map[string]string{}
			}
			s.CLSID[view][id] = key
		}
	}
	c.Out(res)
}

// dllBehavior is the DLLs knob of a path (the zero behaviour if none).
func (s *MachineState) dllBehavior(key string) DLLBehavior {
	paths := keysOf(s.DLLs)
	sort.Strings(paths)
	for _, p := range paths {
		if samePath(p, key) {
			return *s.DLLs[p]
		}
	}
	return DLLBehavior{}
}
