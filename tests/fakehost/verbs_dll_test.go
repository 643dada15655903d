package fakehost

import (
	"reflect"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func TestWups2Registration(t *testing.T) {
	files64 := func(exists bool) []scripts.DllFile {
		return []scripts.DllFile{
			{Name: "wups2.dll", Path: system32 + `\wups2.dll`, Exists: exists, Version: "10.0.19041.4355", View: "64"},
			{Name: "wups2.dll", Path: sysWOW64 + `\wups2.dll`, Exists: exists, Version: "10.0.19041.4355", View: "32"},
		}
	}
	cases := []struct {
		scenario string
		want     scripts.Wups2Result
	}{
		{"healthy", scripts.Wups2Result{Is64BitOS: true, Files: files64(true), Registrations: []scripts.ComRegistration{
			{Clsid: clsidWups2, View: "64", Server: systemRoot + `\system32\wups2.dll`}, // %SystemRoot% expanded, case kept
			{Clsid: clsidWups2, View: "32", Server: sysWOW64 + `\wups2.dll`},
		}}},
		{"kb943144", scripts.Wups2Result{Is64BitOS: true, Files: files64(true), Registrations: []scripts.ComRegistration{}}},
		{"kb943144-x86", scripts.Wups2Result{Is64BitOS: false, Files: files64(true)[:1], Registrations: []scripts.ComRegistration{}}},
		{"healthy-x86", scripts.Wups2Result{Is64BitOS: false, Files: files64(true)[:1], Registrations: []scripts.ComRegistration{
			{Clsid: clsidWups2, View: "64", Server: systemRoot + `\system32\wups2.dll`},
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			got := result[scripts.Wups2Result](t, hostFor(t, tc.scenario).call("Get-WurWups2Registration", nil, false))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDllPresence(t *testing.T) {
	got := result[scripts.DllPresenceResult](t, hostFor(t, "healthy").call("Get-WurDllPresence", p("Names", []string{"WUAUENG.DLL", "gpkcsp.dll"}), false))
	want := []scripts.DllFile{
		{Name: "WUAUENG.DLL", Path: system32 + `\WUAUENG.DLL`, Exists: true, Version: "10.0.19041.4355", View: "64"},
		{Name: "WUAUENG.DLL", Path: sysWOW64 + `\WUAUENG.DLL`, View: "32"},
		{Name: "gpkcsp.dll", Path: system32 + `\gpkcsp.dll`, View: "64"},
		{Name: "gpkcsp.dll", Path: sysWOW64 + `\gpkcsp.dll`, View: "32"},
	}
	if !reflect.DeepEqual(got.Files, want) {
		t.Fatalf("got  %+v\nwant %+v", got.Files, want)
	}
	x86 := result[scripts.DllPresenceResult](t, hostFor(t, "healthy-x86").call("Get-WurDllPresence", p("Names", []string{"wups.dll"}), false))
	if len(x86.Files) != 1 || x86.Files[0].View != "64" || !x86.Files[0].Exists {
		t.Fatalf("x86 %+v", x86)
	}
	for _, bad := range []string{`System32\wuapi.dll`, "../wuapi.dll", "wuapi", "wuapi.exe", "c:wuapi.dll", ".dll"} {
		e := failure(t, hostFor(t, "healthy").call("Get-WurDllPresence", p("Names", []string{"wuapi.dll", bad}), false))
		if e.FQID != "WurNameRefused" || e.Category != "InvalidArgument" {
			t.Fatalf("%q: %+v", bad, e)
		}
	}
}

func TestRegisterDll(t *testing.T) {
	agent := func(th *testHost) int64 {
		return result[scripts.AgentProbeResult](t, th.call("Test-WurUpdateAgent", nil, false)).HResult
	}
	th := hostFor(t, "kb943144")
	if agent(th) != hrClassNotRegistered.Int64() || hrClassNotRegistered.Int64() != -2147221164 {
		t.Fatalf("kb943144 agent probe: %d", agent(th))
	}
	got := result[scripts.RegisterDllResult](t, th.call("Register-WurDll", p("Path", `c:\windows\system32\WUPS2.dll`), false))
	if got != (scripts.RegisterDllResult{Path: `c:\windows\system32\WUPS2.dll`, Exists: true}) {
		t.Fatalf("%+v", got)
	}
	if th.state().CLSID["64"][clsidWups2] != system32+`\wups2.dll` {
		t.Fatalf("registry 64: %v", th.state().CLSID["64"])
	}
	if agent(th) != hrClassNotRegistered.Int64() {
		t.Fatal("the agent works with SysWOW64's wups2.dll still unregistered")
	}
	result[scripts.RegisterDllResult](t, th.call("Register-WurDll", p("Path", sysWOW64+`\wups2.dll`), false))
	if th.state().CLSID["32"][clsidWups2] != sysWOW64+`\wups2.dll` || agent(th) != 0 {
		t.Fatalf("registry 32: %v", th.state().CLSID["32"])
	}
	w := result[scripts.Wups2Result](t, th.call("Get-WurWups2Registration", nil, false))
	if len(w.Registrations) != 2 {
		t.Fatalf("%+v", w)
	}

	t.Run("x86", func(t *testing.T) {
		th := hostFor(t, "kb943144-x86")
		result[scripts.RegisterDllResult](t, th.call("Register-WurDll", p("Path", system32+`\wups2.dll`), false))
		if agent(th) != 0 {
			t.Fatal("agent still broken")
		}
		got := result[scripts.RegisterDllResult](t, th.call("Register-WurDll", p("Path", sysWOW64+`\wups2.dll`), false))
		if got.Exists || got.ExitCode != -1 {
			t.Fatalf("SysWOW64 on 32-bit Windows: %+v", got)
		}
	})
	t.Run("exit codes are data", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			mutate func(*Scenario)
			code   int
		}{
			{"DllRegisterServer failed", nil, 5},
			{"not elevated", func(sc *Scenario) { sc.Host.IsAdmin = false; sc.Machine.DLLs[system32+`\wups2.dll`].Regsvr32Exit = 0 }, 5},
			{"load failed", func(sc *Scenario) { sc.Machine.DLLs[system32+`\wups2.dll`].Regsvr32Exit = 3 }, 3},
		} {
			var mut []func(*Scenario)
			if tc.mutate != nil {
				mut = append(mut, tc.mutate)
			}
			th := hostFor(t, "regsvr32-denied", mut...)
			before := th.bytes()
			got := result[scripts.RegisterDllResult](t, th.call("Register-WurDll", p("Path", system32+`\wups2.dll`), false))
			if got.ExitCode != tc.code || !got.Exists || th.bytes() != before {
				t.Fatalf("%s: %+v", tc.name, got)
			}
		}
	})
	t.Run("missing file", func(t *testing.T) {
		got := result[scripts.RegisterDllResult](t, hostFor(t, "healthy").call("Register-WurDll", p("Path", system32+`\muweb.dll`), false))
		if got.Exists || got.ExitCode != -1 {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("refused paths", func(t *testing.T) {
		for _, path := range []string{system32 + `\config\x.dll`, `C:\Temp\wups2.dll`, system32 + `\regsvr32.exe`, `wups2.dll`, systemRoot + `\wups2.dll`} {
			e := failure(t, hostFor(t, "healthy").call("Register-WurDll", p("Path", path), false))
			if e.FQID != "WurPathRefused" {
				t.Fatalf("%s: %+v", path, e)
			}
		}
	})
	t.Run("regsvr32 missing", func(t *testing.T) {
		th := hostFor(t, "kb943144", func(sc *Scenario) { delete(sc.Machine.Files, system32+`\regsvr32.exe`) })
		e := failure(t, th.call("Register-WurDll", p("Path", system32+`\wups2.dll`), false))
		if e.FQID != "WurProgramMissing" || e.Category != "ObjectNotFound" {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("regsvr32 hangs: killed, TimedOut, nothing registered", func(t *testing.T) {
		th := hostFor(t, "kb943144", func(sc *Scenario) {
			sc.Machine.DLLs[system32+`\wups2.dll`].Regsvr32Hangs = true
		})
		got := result[scripts.RegisterDllResult](t, th.call("Register-WurDll", p("Path", system32+`\wups2.dll`), false))
		if !got.TimedOut || got.ExitCode != -1 || !got.Exists {
			t.Fatalf("%+v", got)
		}
		if regs := th.state().registrations("64", "wups2.dll"); len(regs) != 0 {
			t.Fatalf("registered after a timeout: %+v", regs)
		}
	})
}
