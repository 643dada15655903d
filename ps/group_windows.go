//go:build windows

package ps

import (
	"os"
	"os/exec"
	"unsafe"

	"golang.org/x/sys/windows"
)

// killGroup is a Job Object with KILL_ON_JOB_CLOSE: killing it (or wurepair
// dying) ends PowerShell and everything it started (regsvr32, DISM ...).
type killGroup struct{ job windows.Handle }

func prepareGroup(c *exec.Cmd) {}

func joinGroup(p *os.Process) killGroup {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return killGroup{}
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		_ = windows.CloseHandle(job)
		return killGroup{}
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		_ = windows.CloseHandle(job)
		return killGroup{}
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		_ = windows.CloseHandle(job)
		return killGroup{}
	}
	return killGroup{job: job}
}

func (g killGroup) kill(p *os.Process) error {
	if g.job != 0 {
		if err := windows.TerminateJobObject(g.job, 1); err == nil {
			return nil
		}
	}
	return p.Kill()
}

func (g killGroup) close() {
	if g.job != 0 {
		_ = windows.CloseHandle(g.job)
	}
}
