package fakehost

import (
	"slices"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// maxUpdateErrors is how many events Get-WurUpdateErrors returns at most.
const maxUpdateErrors = 200

// agentFault is why the update agent's COM API fails (0 when it works):
// class not registered while a wups2.dll on disk has no registration in
// its registry view (KB943144).
func (c *Call) agentFault() HResult {
	s := c.state()
	for _, v := range c.dllViews() {
		if exists, _ := s.fileVersion(v.dir + `\wups2.dll`); exists && len(s.registrations(v.view, "wups2.dll")) == 0 {
			return hrClassNotRegistered
		}
	}
	return 0
}

// Test-WurUpdateAgent: Microsoft.Update.Session (in-process, always
// created), then CreateUpdateSearcher (fails while wups2.dll is not
// registered). It neither searches nor starts wuauserv.
func testUpdateAgent(c *Call) {
	hr := c.agentFault()
	_, version := c.state().fileVersion(system32 + `\wuaueng.dll`)
	c.Out(scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: hr == 0, HResult: hr.Int64(), AgentVersion: version})
}

// Get-WurUpdateErrors: Error-level events of the last Days days, newest
// first, at most 200.
func getUpdateErrors(c *Call) {
	s := c.state()
	out := scripts.UpdateErrorsResult{LogAvailable: s.UpdateLog.Available, Events: []scripts.UpdateErrorEvent{}}
	since := s.now().Add(-time.Duration(c.Int("Days", 0)) * 24 * time.Hour)
	for _, e := range s.UpdateLog.Events { // sorted newest first
		t, _ := time.Parse(time.RFC3339, e.Time)
		if !errorEventIDs[e.EventID] || t.Before(since) {
			continue
		}
		if len(out.Events) == maxUpdateErrors {
			break
		}
		out.Events = append(out.Events, scripts.UpdateErrorEvent{TimeCreated: isoTime(e.Time), EventId: e.EventID,
			HResult: e.HResult.String(), KB: e.KB, UpdateId: e.UpdateID})
	}
	c.Out(out)
}

// Get-WurUpdateHistory: QueryHistory goes through wuauserv, which COM
// starts on demand (0x80070422 when it is disabled); the history is what
// DataStore.edb holds.
func getUpdateHistory(c *Call) {
	if hr := c.agentFault(); hr != 0 {
		c.comFailure(hr)
		return
	}
	s := c.state()
	key, svc := s.LookupService("wuauserv")
	switch {
	case svc == nil:
		c.comFailure(hrServiceMissing)
		return
	case svc.StartType == startDisabled && !svc.isRunning():
		c.comFailure(hrServiceDisabled)
		return
	case !s.start(key):
		c.comFailure(hrServiceNoResponse)
		return
	}
	out := scripts.UpdateHistoryResult{Entries: []scripts.HistoryEntry{}}
	if _, edb := s.lookup(s.resolve(dataStoreEDB)); edb != nil && edb.Kind == kindFile {
		for _, h := range edb.History {
			out.Entries = append(out.Entries, scripts.HistoryEntry{Date: isoTime(h.Date), Title: h.Title, Operation: h.Operation,
				ResultCode: h.ResultCode, HResult: h.HResult.Int64(), UpdateId: h.UpdateID, RevisionNumber: h.RevisionNumber,
				ClientApplicationId: h.ClientApplicationID})
		}
	}
	out.Count = len(out.Entries)
	c.Out(out)
}

// Get-WurPendingReboot: only CBS RebootPending and WU RebootRequired mean
// a reboot is required; PendingFileRenameOperations alone (antivirus and
// drivers set it) is listed as a reason, for information.
func getPendingReboot(c *Call) {
	reasons := append([]string{}, c.state().PendingReboot...)
	required := slices.Contains(reasons, "CBSRebootPending") || slices.Contains(reasons, "WURebootRequired")
	c.Out(scripts.PendingRebootResult{RebootPending: required, Reasons: reasons})
}
