package orchestrator

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// wuerrorHeaders are where Debian's mingw-w64 packages put the SDK's wuerror.h.
var wuerrorHeaders = []string{"/usr/share/mingw-w64/include/wuerror.h", "/usr/x86_64-w64-mingw32/include/wuerror.h"}

// Every WU_E_*/WU_S_* code of the installed wuerror.h is in the reference
// with the SDK's symbol. CI always installs mingw-w64 (.ci/run), so there
// a missing header fails the test instead of skipping it.
func TestReferenceCoversWuerrorH(t *testing.T) {
	var path string
	for _, p := range wuerrorHeaders {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("wuerror.h not found in %v: CI installs mingw-w64 (gcc-mingw-w64-x86-64-win32 pulls mingw-w64-common)", wuerrorHeaders)
		}
		t.Skipf("wuerror.h not found in %v (apt-get install mingw-w64-common)", wuerrorHeaders)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^#define\s+(WU_[ES]_\w+)\s+_HRESULT_TYPEDEF_\((0x[0-9A-Fa-f]{8})\)`)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		m := re.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		n++
		v, _ := strconv.ParseUint(m[2][2:], 16, 32)
		info, ok := LookupCode(uint32(v))
		switch {
		case !ok:
			t.Errorf("%s %s is not in the reference", m[2], m[1])
		case info.Symbol != m[1] || !info.SDK:
			t.Errorf("%s: the reference says %q (SDK %v), wuerror.h says %s", m[2], info.Symbol, info.SDK, m[1])
		}
		if s, ok := LookupSymbol(m[1]); !ok || s.HResult != uint32(v) {
			t.Errorf("symbol %s does not look up to %s", m[1], m[2])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 400 {
		t.Fatalf("only %d codes read from %s: the header format changed?", n, path)
	}
	t.Logf("%d wuerror.h codes checked; the reference holds %d codes", n, CodeCount())
}

// The table is sorted, unique, each code has exactly one contract class,
// a meaning, a resolvable source, and success codes are not errors.
func TestReferenceIsWellFormed(t *testing.T) {
	for i, c := range codeTable {
		if i > 0 && codeTable[i-1].HResult >= c.HResult {
			t.Fatalf("not sorted or duplicate at %s", FormatHResult(c.HResult))
		}
		if !slices.Contains(Classes(), c.Class) {
			t.Errorf("%s: class %q is not a contract class", FormatHResult(c.HResult), c.Class)
		}
		if c.Meaning == "" {
			t.Errorf("%s: no meaning", FormatHResult(c.HResult))
		}
		if c.Source != "" && ReferenceURL(c.Source) == "" {
			t.Errorf("%s: source %q has no URL", FormatHResult(c.HResult), c.Source)
		}
		if c.HResult&0x80000000 == 0 && c.Class != ClassNotAnError {
			t.Errorf("%s: high bit clear but class %s", FormatHResult(c.HResult), c.Class)
		}
		if c.Class != ClassInvestigate && c.Class != ClassNotAnError && c.Source == "" && c.Note == "" && c.HResult != 0x800B0109 {
			t.Errorf("%s %s: class %s without a Microsoft source", FormatHResult(c.HResult), c.Symbol, c.Class)
		}
	}
	for _, c := range Classes() {
		if c.Advice() == "" {
			t.Errorf("class %s has no advice", c)
		}
	}
}

// Every code has a meaning written by us, never one made up from its
// symbol (wuerrgen once wrote "download manager: incorrectfilehash"): no
// meaning is empty, ends in ": " and a tail of the symbol in words, or is the
// symbol itself. The generator refuses a wuerror.h code without a meaning
// line (TestGenCheckedInData); this guards the table it wrote.
func TestReferenceMeaningsAreWritten(t *testing.T) {
	for _, c := range codeTable {
		m := strings.TrimSpace(c.Meaning)
		if m == "" || m == c.Symbol {
			t.Errorf("%s %s: no written meaning (%q)", FormatHResult(c.HResult), c.Symbol, c.Meaning)
			continue
		}
		for i, r := range c.Symbol {
			if r != '_' {
				continue
			}
			tail := strings.ToLower(strings.ReplaceAll(c.Symbol[i+1:], "_", " "))
			if strings.HasSuffix(m, ": "+tail) {
				t.Errorf("%s %s: meaning %q is made from the symbol", FormatHResult(c.HResult), c.Symbol, c.Meaning)
				break
			}
		}
	}
}

// One code per class, and the plan each class leads to: no class is a
// dead end, repair-source only with a source, advice classes never plan.
func TestClassPerCode(t *testing.T) {
	cases := []struct {
		code       uint32
		phase      Phase
		class      Class
		plan, with string // without and with a repair source
	}{
		{0x80242006, PhaseScan, ClassStoreReset, "datastore", "datastore"},
		{0x80073712, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x8007371B, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x800736CC, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x800705B9, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x800F0825, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x800F0982, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x800F0906, PhaseInstall, ClassRepairSource, "", "components"},
		{0x800F0907, PhaseInstall, ClassRepairSource, "", "components"},
		{0x800F0950, PhaseInstall, ClassRepairSource, "", "components"},
		{0x800F0954, PhaseInstall, ClassRepairSource, "", "components"},
		{0x80040154, PhaseUnknown, ClassAgentRegistration, "reset", "reset"},
		{0x80004002, PhaseUnknown, ClassAgentRegistration, "reset", "reset"},
		{0x80040155, PhaseUnknown, ClassAgentRegistration, "reset", "reset"},
		{0x80080005, PhaseUnknown, ClassAgentRegistration, "reset", "reset"},
		{0x8024402C, PhaseScan, ClassNetwork, "", ""},
		{0x80072EE2, PhaseScan, ClassNetwork, "", ""},
		{0x80244019, PhaseScan, ClassUpdateServer, "", ""},
		{0x80072F8F, PhaseScan, ClassTLSTrust, "", ""},
		{0x8024002E, PhaseScan, ClassPolicyWSUS, "", ""},
		{0x80070422, PhaseScan, ClassServiceDisabled, "", ""},
		{0x80070BC9, PhaseInstall, ClassRebootPending, "", ""},
		{0x80070070, PhaseDownload, ClassDiskSpace, "", ""},
		{0x8007000E, PhaseUnknown, ClassResources, "", ""},
		{0x80070005, PhaseInstall, ClassPermissionsInterference, "", ""},
		{0x8024A10A, PhaseInstall, ClassTransientRetry, "", ""},
		{0x00240006, PhaseInstall, ClassNotAnError, "", ""},
		{0x00000000, PhaseInstall, ClassNotAnError, "", ""},
		{0x00123456, PhaseInstall, ClassNotAnError, "", ""}, // high bit clear, unknown: still no error
		{0x80245001, PhaseScan, ClassInvestigate, "", ""},
		{0x8024A105, PhaseScan, ClassInvestigate, "", ""}, // not in the reference
		// The phase decides.
		{0x80070002, PhaseScan, ClassStoreReset, "datastore", "datastore"},
		{0x80070002, PhaseDownload, ClassStoreReset, "datastore", "datastore"},
		{0x80070002, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
		{0x80070002, PhaseUninstall, ClassComponentStoreRepair, "components", "components"},
		{0x80070002, PhaseUnknown, ClassStoreReset, "datastore", "datastore"},
		{0x8007000D, PhaseDownload, ClassStoreReset, "datastore", "datastore"},
		{0x8007000D, PhaseInstall, ClassComponentStoreRepair, "components", "components"},
	}
	seen := map[Class]bool{}
	for _, tc := range cases {
		_, class, _ := Classify(tc.code, tc.phase)
		if class != tc.class {
			t.Errorf("%s (%s): class %s, want %s", FormatHResult(tc.code), tc.phase, class, tc.class)
		}
		if p := class.Plan(false); p != tc.plan {
			t.Errorf("%s: plan %q without a source, want %q", FormatHResult(tc.code), p, tc.plan)
		}
		if p := class.Plan(true); p != tc.with {
			t.Errorf("%s: plan %q with a source, want %q", FormatHResult(tc.code), p, tc.with)
		}
		seen[class] = true
	}
	for _, c := range Classes() {
		if !seen[c] {
			t.Errorf("class %s has no test case", c)
		}
	}
}

// Every code the reference sends to a plan is one that plan fixes, and
// no advice-only code ever recommends a plan, through the whole diagnosis.
func TestReferenceNeverMisroutes(t *testing.T) {
	for _, c := range codeTable {
		for _, phase := range []int{25, 31, 20} {
			f := withEvents(healthyFacts(), FormatHResult(c.HResult))
			f.Errors.Events[0].EventId = phase
			d := Diagnose(f)
			_, class, _ := Classify(c.HResult, PhaseOfEvent(phase))
			var want []string
			if p := class.Plan(false); p != "" {
				want = []string{p}
			}
			if !reflect.DeepEqual(d.Runnable(), want) {
				t.Errorf("%s %s in event %d (%s): plans %v, want %v", FormatHResult(c.HResult), c.Symbol, phase, class, d.Runnable(), want)
			}
		}
	}
}

func TestParseCode(t *testing.T) {
	cases := []struct {
		in   string
		want uint32
		err  bool
	}{
		{"0x8024402C", 0x8024402C, false},
		{"0x8024402c", 0x8024402C, false},
		{"-2145107924", 0x8024402C, false},
		{"2149859372", 0x8024402C, false},
		{"WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", 0x8024402C, false},
		{"wu_e_pt_winhttp_name_not_resolved", 0x8024402C, false},
		{"ERROR_SXS_COMPONENT_STORE_CORRUPT", 0x80073712, false},
		{"0x", 0, true},
		{"0x1FFFFFFFF", 0, true},
		{"-2147483649", 0, true},
		{"4294967296", 0, true},
		{"12abc", 0, true},
		{"WU_E_NOT_A_CODE", 0, true},
		{"", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseCode(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseCode(%q) = %s, %v; want %s, error %v", tc.in, FormatHResult(got), err, FormatHResult(tc.want), tc.err)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"0x8024402C", "-2145107924", "WU_E_NO_SERVICE", "", "0x", "-", "9999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseCode(s)
		if err != nil {
			return
		}
		// A parsed code round-trips through its hex form.
		if back, err := ParseCode(FormatHResult(h)); err != nil || back != h {
			t.Fatalf("%q -> %s does not round-trip: %s, %v", s, FormatHResult(h), FormatHResult(back), err)
		}
	})
}

func TestUpdateService(t *testing.T) {
	cases := []struct {
		id   string
		name string
		own  bool
	}{
		{"", "Windows Update agent", true},
		{"9482f4b4-e343-43b6-b170-9a65bc822c77", "Windows Update", true},
		{"{7971F918-A847-4430-9279-4A52D1EFE18D}", "Microsoft Update", true},
		{"3da21691-e39d-4da6-8a4b-b43877bcb1b7", "WSUS", true},
		{"855e8a7c-ecb4-4ca3-b045-1dfa50104289", "Microsoft Store", false},
		{"117cab2d-82b1-4b5a-a08c-4d62dbee7782", "Microsoft Store", false},
		{"8b24b027-1dee-babb-9a95-3517dfb9c552", "Windows Insider flighting", false},
		{"00000000-0000-0000-0000-000000000001", "update service {00000000-0000-0000-0000-000000000001}", false},
	}
	for _, tc := range cases {
		if name, own := UpdateService(tc.id); name != tc.name || own != tc.own {
			t.Errorf("UpdateService(%q) = %q, %v; want %q, %v", tc.id, name, own, tc.name, tc.own)
		}
	}
}

// eventFromXML reads a WindowsUpdateClient event the way
// Get-WurUpdateErrors does (named <Data> elements only); the realps test
// runs the real script over the same files and compares.
func eventFromXML(t *testing.T, path string) scripts.UpdateErrorEvent {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		System struct {
			EventID     int `xml:"EventID"`
			TimeCreated struct {
				SystemTime string `xml:"SystemTime,attr"`
			} `xml:"TimeCreated"`
		} `xml:"System"`
		Data []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"EventData>Data"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ev := scripts.UpdateErrorEvent{EventId: doc.System.EventID, TimeCreated: doc.System.TimeCreated.SystemTime}
	for _, d := range doc.Data {
		v := strings.TrimSpace(d.Value)
		switch d.Name {
		case "errorCode":
			h, err := ParseHResult(v)
			if err != nil {
				t.Fatalf("%s: errorCode %q: %v", path, v, err)
			}
			ev.HResult = FormatHResult(h)
		case "updateTitle":
			if m := regexp.MustCompile(`(?i)\bKB(\d+)`).FindStringSubmatch(v); m != nil {
				ev.KB = "KB" + m[1]
			}
		case "updateGuid":
			ev.UpdateId = strings.ToLower(strings.Trim(v, "{}"))
		case "serviceGuid":
			ev.ServiceId = strings.ToLower(strings.Trim(v, "{}"))
		}
	}
	return ev
}

// Real event XML shapes decide: install vs scan phase, Store vs OS service.
func TestDiagnoseEventSamples(t *testing.T) {
	cases := []struct {
		file     string
		source   string
		findings []string
		plans    []string
	}{
		{"install-0x80070002-wu.xml", "", []string{"component-store-repair-errors"}, []string{"components"}},
		{"download-0x80070002-wu.xml", "", []string{"store-reset-errors"}, []string{"datastore"}},
		{"scan-0x80070002.xml", "", []string{"store-reset-errors"}, []string{"datastore"}},
		{"install-0x80070002-store.xml", "", []string{"update-errors-filtered"}, []string{}},
		{"install-0x80070643-defender.xml", "", []string{"update-errors-filtered"}, []string{}},
		{"install-0x800F0954-wsus.xml", "", []string{"repair-source-errors"}, []string{}},
		{"install-0x800F0954-wsus.xml", `E:\mount\Windows`, []string{"repair-source-errors"}, []string{"components"}},
		{"scan-0x8024402C-mu.xml", "", []string{"network-errors"}, []string{}},
		{"install-decimal-0x800F081F.xml", "", []string{"component-store-repair-errors"}, []string{"components"}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.file+tc.source, func(t *testing.T) {
			f := healthyFacts()
			f.RepairSource = tc.source
			f.Errors = scripts.UpdateErrorsResult{LogAvailable: true, Events: []scripts.UpdateErrorEvent{eventFromXML(t, filepath.Join("testdata", "events", tc.file))}}
			d := Diagnose(f)
			var ids []string
			for _, fd := range d.Findings {
				ids = append(ids, fd.ID)
				if fd.ID == "update-errors-filtered" && !strings.Contains(strings.Join(fd.Evidence, " "), "left out") {
					t.Errorf("filtered finding does not say what was left out: %v", fd.Evidence)
				}
			}
			if !sameSet(ids, tc.findings) || !reflect.DeepEqual(d.Plans, tc.plans) {
				t.Errorf("findings %v plans %v; want %v %v", ids, d.Plans, tc.findings, tc.plans)
			}
		})
		seen[tc.file] = true
	}
	err := filepath.WalkDir(filepath.Join("testdata", "events"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && !seen[e.Name()] {
			return errors.New(e.Name() + " has no case")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDefenderUpdatesAreLeftOut(t *testing.T) {
	for _, kb := range []string{"KB2267602", "kb4052623", "KB2461484", "KB915597"} {
		f := withEvents(healthyFacts(), "0x80070643")
		f.Errors.Events[0].KB = kb
		d := Diagnose(f)
		if len(d.Findings) != 1 || d.Findings[0].ID != "update-errors-filtered" || !strings.Contains(d.Findings[0].Evidence[0], "Microsoft Defender") {
			t.Errorf("%s: %+v", kb, d.Findings)
		}
	}
	if isDefenderKB("KB5034441") {
		t.Error("a cumulative update is not Defender's")
	}
}
