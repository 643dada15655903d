//go:build windows

package app

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The real Application log: the source is registered when the test runs
// elevated (a warning otherwise), each entry type is written, and, where
// wevtutil exists, the entry is read back with its id and text.
func TestWindowsEventLog(t *testing.T) {
	sink, warn := openEventLog() // warn: a warning; sink is never nil
	if _, ok := sink.(*windowsEventLog); !ok {
		t.Fatalf("the Application log did not open: %v", warn)
	}
	defer sink.Close()
	elevated := windows.GetCurrentProcessToken().IsElevated()
	k, kerr := registry.OpenKey(registry.LOCAL_MACHINE, sourceKey, registry.QUERY_VALUE)
	if kerr == nil {
		k.Close()
	}
	switch {
	case elevated && (warn != nil || kerr != nil):
		t.Fatalf("elevated, yet the source is not registered: %v %v", warn, kerr)
	case !elevated && kerr != nil && (warn == nil || !strings.Contains(warn.Error(), "elevation")):
		t.Fatalf("not elevated and not registered: want the elevation warning, got %v", warn)
	}
	marker := fmt.Sprintf("wurepair-test-%d", time.Now().UnixNano())
	for _, lvl := range []EventLevel{EventInfo, EventWarning, EventError} {
		msg := eventText(marker+" "+lvl.String(), runEvent{id: marker, command: "repair", journal: `C:\ProgramData\wurepair\runs\` + marker + `\journal.jsonl`}, 0, true)
		if err := sink.Write(Event{ID: EventRunStart, Level: lvl, Message: msg}); err != nil {
			t.Fatalf("write %s: %v", lvl, err)
		}
	}
	if underWine() {
		t.Skip("written and registered; Wine's Event Log is a stub that keeps nothing to read back")
	}
	out, err := exec.Command("wevtutil", "qe", "Application", "/c:3", "/rd:true", "/f:text",
		fmt.Sprintf("/q:*[System[Provider[@Name='%s'] and EventID=%d]]", EventSource, EventRunStart)).CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skipf("written; no wevtutil to read it back: %v", err)
	}
	if err != nil {
		t.Fatalf("wevtutil: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), marker) || !strings.Contains(string(out), "Run: "+marker) {
		t.Fatalf("the events are not in the Application log:\n%s", out)
	}
}

// underWine: Wine keeps its own settings under HKLM\Software\Wine.
func underWine() bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `Software\Wine`, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	k.Close()
	return true
}
