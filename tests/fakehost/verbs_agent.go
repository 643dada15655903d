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

// agentCalls are the update agent's COM calls the scripts make, in order.
var agentCalls = []string{"CreateSession", "CreateUpdateSearcher", "GetTotalHistoryCount", "QueryHistory"}

// agentCall is why one call of the update agent's COM API fails (0 when it
// works): the AgentFails knob first; CreateUpdateSearcher fails while
// wups2.dll is not registered (KB943144); GetTotalHistoryCount is the first
// call that reaches wuauserv, which COM starts on demand (0x80070422 when
// it is disabled, 0x8007041D when it does not start).
func (c *Call) agentCall(call string) HResult {
	s := c.state()
	if hr, ok := s.Faults.AgentFails[call]; ok {
		return hr
	}
	switch call {
	case "CreateUpdateSearcher":
		return c.agentFault()
	case "GetTotalHistoryCount":
		key, svc := s.LookupService("wuauserv")
		switch {
		case svc == nil:
			return hrServiceMissing
		case svc.StartType == startDisabled && !svc.isRunning():
			return hrServiceDisabled
		case !s.start(key):
			return hrServiceNoResponse
		}
	}
	return 0
}

// agentCalls runs the calls up to last in order and returns the first that
// fails ("" when none did) with its HRESULT.
func (c *Call) agentCallsUpTo(last string) (string, HResult) {
	for _, call := range agentCalls {
		if hr := c.agentCall(call); hr != 0 {
			return call, hr
		}
		if call == last {
			break
		}
	}
	return "", 0
}

// Test-WurUpdateAgent: Microsoft.Update.Session (in-process), then
// CreateUpdateSearcher, then with ReachService GetTotalHistoryCount (which
// starts wuauserv through COM). It does not search.
func testUpdateAgent(c *Call) {
	last := "CreateUpdateSearcher"
	if c.Bool("ReachService") {
		last = "GetTotalHistoryCount"
	}
	failed, hr := c.agentCallsUpTo(last)
	reached := func(call string) bool {
		if call == "GetTotalHistoryCount" && last != call {
			return false
		}
		if failed == "" {
			return true
		}
		return slices.Index(agentCalls, call) < slices.Index(agentCalls, failed)
	}
	_, version := c.state().fileVersion(system32 + `\wuaueng.dll`)
	c.Out(scripts.AgentProbeResult{SessionCreated: reached("CreateSession"), SearcherCreated: reached("CreateUpdateSearcher"),
		ServiceReached: reached("GetTotalHistoryCount"), FailedCall: failed, HResult: hr.Int64(), AgentVersion: version})
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
			HResult: e.HResult.String(), KB: e.KB, UpdateId: e.UpdateID, ServiceId: e.ServiceGUID()})
	}
	c.Out(out)
}

// Get-WurUpdateHistory: QueryHistory goes through wuauserv, which COM
// starts on demand (0x80070422 when it is disabled); the history is what
// DataStore.edb holds. A failure is data (Available false, the call and
// its HRESULT), as the script reports it.
func getUpdateHistory(c *Call) {
	out := scripts.UpdateHistoryResult{Entries: []scripts.HistoryEntry{}}
	failed, hr := c.agentCallsUpTo("GetTotalHistoryCount")
	s := c.state()
	var history []HistoryRecord
	if _, edb := s.lookup(s.resolve(dataStoreEDB)); failed == "" && edb != nil && edb.Kind == kindFile {
		history = edb.History
	}
	if failed == "" && len(history) > 0 {
		if hr = c.agentCall("QueryHistory"); hr != 0 {
			failed = "QueryHistory"
		}
	}
	out.Available, out.FailedCall, out.HResult = failed == "", failed, hr.Int64()
	if out.Available {
		for _, h := range history {
			out.Entries = append(out.Entries, scripts.HistoryEntry{Date: isoTime(h.Date), Title: h.Title, Operation: h.Operation,
				ResultCode: h.ResultCode, HResult: h.HResult.Int64(), UpdateId: h.UpdateID, RevisionNumber: h.RevisionNumber,
				ClientApplicationId: h.ClientApplicationID})
		}
	}
	out.Count = len(out.Entries)
	c.Out(out)
}

// Get-WurPendingReboot: every servicing reason (CBS, pending.xml, Windows
// Update, UpdateExeVolatile) means a reboot is required; the file-rename
// queues alone (antivirus and drivers set them) are listed as reasons,
// for information.
func getPendingReboot(c *Call) {
	reasons := append([]string{}, c.state().PendingReboot...)
	c.Out(scripts.PendingRebootResult{RebootPending: RebootRequired(reasons), Reasons: reasons})
}
