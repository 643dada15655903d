package main

import (
	"strings"
	"testing"
)

const header = `#define WU_S_SERVICE_STOP _HRESULT_TYPEDEF_(0x00240001)
#define WU_E_NO_SERVICE _HRESULT_TYPEDEF_(0x80240001)
#define WU_E_PT_HTTP_STATUS_NOT_FOUND _HRESULT_TYPEDEF_(0x80244019)
#define WU_E_PT_WINHTTP_NAME_NOT_RESOLVED _HRESULT_TYPEDEF_(0x8024402C)
`

func TestMerge(t *testing.T) {
	sdk, err := ParseHeader(strings.NewReader(header))
	if err != nil || len(sdk) != 4 {
		t.Fatalf("%v %v", sdk, err)
	}
	curated, err := ParseData(strings.NewReader("# comment\n0x80240001\tWU_E_NO_SERVICE\ttransient-retry\twuref\tthe agent is not there\t\n0x80070002\tERROR_FILE_NOT_FOUND\tstore-reset\tkb947821\ta file is gone\t\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Merge(sdk, curated)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]string{0x00240001: "not-an-error", 0x80240001: "transient-retry", 0x80244019: "update-server", 0x8024402C: "network", 0x80070002: "store-reset"}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i, e := range got {
		if want[e.HResult] != e.Class || (i > 0 && got[i-1].HResult >= e.HResult) {
			t.Errorf("%+v", e)
		}
		if e.HResult == 0x80070002 && e.SDK || e.HResult == 0x80240001 && !e.SDK {
			t.Errorf("SDK flag wrong: %+v", e)
		}
	}
	if _, err := Render(got); err != nil {
		t.Fatal(err)
	}
}

func TestMergeRefuses(t *testing.T) {
	sdk, _ := ParseHeader(strings.NewReader(header))
	for name, data := range map[string]string{
		"another symbol than the SDK's": "0x80240001\tWU_E_SERVICE_GONE\tinvestigate\twuref\tx\t\n",
		"twice":                         "0x80070002\tA\tinvestigate\t-\tx\t\n0x80070002\tA\tinvestigate\t-\tx\t\n",
		"success code as an error":      "0x00000001\tS_FALSE\tinvestigate\t-\tx\t\n",
	} {
		curated, err := ParseData(strings.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := Merge(sdk, curated); err == nil {
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
	if _, err := ParseHeader(strings.NewReader("nothing here")); err == nil {
		t.Error("an empty header parsed")
	}
}
