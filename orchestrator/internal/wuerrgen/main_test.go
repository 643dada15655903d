package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

const header = `#define WU_S_SERVICE_STOP _HRESULT_TYPEDEF_(0x00240001)
#define WU_E_NO_SERVICE _HRESULT_TYPEDEF_(0x80240001)
#define WU_E_PT_HTTP_STATUS_NOT_FOUND _HRESULT_TYPEDEF_(0x80244019)
#define WU_E_PT_WINHTTP_NAME_NOT_RESOLVED _HRESULT_TYPEDEF_(0x8024402C)
#define WU_E_SIH_PPL _HRESULT_TYPEDEF_(0x8024510D)
`

// meanings covers every code of header except the curated WU_E_NO_SERVICE.
const meanings = "# comment\n" +
	"0x00240001\tWU_S_SERVICE_STOP\twuref\tthe agent stopped\n" +
	"0x80244019\tWU_E_PT_HTTP_STATUS_NOT_FOUND\twuref\tHTTP 404\n" +
	"0x8024402C\tWU_E_PT_WINHTTP_NAME_NOT_RESOLVED\twuref\tno DNS\n" +
	"0x8024510D\tWU_E_SIH_PPL\tsymbol\ta protected-process check failed\n"

const curatedData = "# comment\n0x80240001\tWU_E_NO_SERVICE\ttransient-retry\twuref\tthe agent is not there\t\n0x80070002\tERROR_FILE_NOT_FOUND\tstore-reset\tkb947821\ta file is gone\t\n"

func TestGenMerge(t *testing.T) {
	sdk, err := ParseHeader(strings.NewReader(header))
	if err != nil || len(sdk) != 5 {
		t.Fatalf("%v %v", sdk, err)
	}
	curated, err := ParseData(strings.NewReader(curatedData))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ParseMeanings(strings.NewReader(meanings))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Merge(sdk, curated, ms)
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ class, source, meaning string }
	wants := map[uint32]want{
		0x00240001: {"not-an-error", "wuref", "the agent stopped"},
		0x80240001: {"transient-retry", "wuref", "the agent is not there"},
		0x80244019: {"update-server", "wuanet", "HTTP 404"},
		0x8024402C: {"network", "wuanet", "no DNS"},
		0x8024510D: {"investigate", "", "a protected-process check failed"}, // from the symbol: no Microsoft source
		0x80070002: {"store-reset", "kb947821", "a file is gone"},
	}
	if len(got) != len(wants) {
		t.Fatalf("%+v", got)
	}
	for i, e := range got {
		w := wants[e.HResult]
		if w.class != e.Class || w.source != e.Source || w.meaning != e.Meaning || (i > 0 && got[i-1].HResult >= e.HResult) {
			t.Errorf("%+v, want %+v", e, w)
		}
		if e.HResult == 0x80070002 && e.SDK || e.HResult == 0x80240001 && !e.SDK {
			t.Errorf("SDK flag wrong: %+v", e)
		}
	}
	if _, err := Render(got); err != nil {
		t.Fatal(err)
	}
}

func TestGenMergeRefuses(t *testing.T) {
	sdk, _ := ParseHeader(strings.NewReader(header))
	for name, tc := range map[string]struct{ curated, meanings string }{
		"another symbol than the SDK's": {"0x80240001\tWU_E_SERVICE_GONE\tinvestigate\twuref\tx\t\n", meanings},
		"twice":                         {curatedData + "0x80070002\tA\tinvestigate\t-\tx\t\n", meanings},
		"success code as an error":      {curatedData + "0x00000001\tS_FALSE\tinvestigate\t-\tx\t\n", meanings},
		// The gap this generator once filled with symbol words must stay closed.
		"an SDK code without a meaning":       {curatedData, strings.Replace(meanings, "0x8024510D\tWU_E_SIH_PPL\tsymbol\ta protected-process check failed\n", "", 1)},
		"a meaning and a curated line":        {curatedData, meanings + "0x80240001\tWU_E_NO_SERVICE\twuref\tx\n"},
		"a meaning with another symbol":       {curatedData, strings.Replace(meanings, "WU_E_SIH_PPL", "WU_E_SIH_PP", 1)},
		"a meaning for a code not in the SDK": {curatedData, meanings + "0x80070005\tE_ACCESSDENIED\tsymbol\tx\n"},
		"two meanings for one code":           {curatedData, meanings + "0x8024510D\tWU_E_SIH_PPL\tsymbol\ty\n"},
	} {
		curated, err := ParseData(strings.NewReader(tc.curated))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ms, err := ParseMeanings(strings.NewReader(tc.meanings))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := Merge(sdk, curated, ms); err == nil {
			t.Errorf("%s: merged", name)
		}
	}
	for name, data := range map[string]string{
		"unknown class": "0x80070002\tA\treboot\t-\tx\t\n",
		"short code":    "0x8007002\tA\tinvestigate\t-\tx\t\n",
		"no meaning":    "0x80070002\tA\tinvestigate\t-\t\t\n",
		"five columns":  "0x80070002\tA\tinvestigate\t-\tx\n",
	} {
		if _, err := ParseData(strings.NewReader(data)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	for name, data := range map[string]string{
		"unknown from":  "0x8024510D\tWU_E_SIH_PPL\tguess\tx\n",
		"empty meaning": "0x8024510D\tWU_E_SIH_PPL\tsymbol\t \n",
		"three columns": "0x8024510D\tWU_E_SIH_PPL\tsymbol\n",
		"bad code":      "8024B10D\tWU_E_SIH_PPL\tsymbol\tx\n",
	} {
		if _, err := ParseMeanings(strings.NewReader(data)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := ParseHeader(strings.NewReader("nothing here")); err == nil {
		t.Error("an empty header parsed")
	}
}

// The checked-in data gives every code of the installed wuerror.h a
// written meaning, and wuerr_table.go is what the generator makes of it
// (not stale, not hand-edited). CI installs mingw-w64, so there a missing
// header fails instead of skipping.
func TestGenCheckedInData(t *testing.T) {
	var hdr []byte
	for _, p := range []string{"/usr/share/mingw-w64/include/wuerror.h", "/usr/x86_64-w64-mingw32/include/wuerror.h"} {
		if b, err := os.ReadFile(p); err == nil {
			hdr = b
			break
		}
	}
	if hdr == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("wuerror.h not found: CI installs mingw-w64 (mingw-w64-common)")
		}
		t.Skip("wuerror.h not found (apt-get install mingw-w64-common)")
	}
	sdk, err := ParseHeader(bytes.NewReader(hdr))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile("../../" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	curated, err := ParseData(bytes.NewReader(read("wuerr_codes.tsv")))
	if err != nil {
		t.Fatalf("wuerr_codes.tsv: %v", err)
	}
	ms, err := ParseMeanings(bytes.NewReader(read("wuerr_meanings.tsv")))
	if err != nil {
		t.Fatalf("wuerr_meanings.tsv: %v", err)
	}
	entries, err := Merge(sdk, curated, ms)
	if err != nil {
		t.Fatalf("the checked-in data does not cover wuerror.h:\n%v", err)
	}
	src, err := Render(entries)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, read("wuerr_table.go")) {
		t.Fatal("wuerr_table.go is stale: run go generate ./orchestrator")
	}
}
