//go:build windows

package ps

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// killGroup is a Job Object with KILL_ON_JOB_CLOSE: killing it (or wurepair
// dying) ends PowerShell and everything it started (regsvr32, DISM ...).
//
// The host is created suspended, assigned to the job, then resumed, so not
// one instruction of it (nor a child it could start) runs outside the job.
// It gets its own process group and no console: Ctrl+C and closing the
// console reach wurepair, which cancels and rolls back, never PowerShell or
// DISM half-way through a change.
type killGroup struct {
	mu  sync.Mutex // guards job against use after close
	job windows.Handle
}

func prepareGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_NO_WINDOW | windows.CREATE_SUSPENDED,
		HideWindow:    true,
	}
}

// joinGroup puts the suspended process p into a new kill-on-close job and
// resumes it. Any failure is an error (the caller kills p): a host outside
// the job could outlive wurepair, and its children would never be killed.
func joinGroup(p *os.Process) (*killGroup, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	g := &killGroup{job: job}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		g.close()
		return nil, fmt.Errorf("set job object limits: %w", err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		g.close()
		return nil, fmt.Errorf("open PowerShell process %d: %w", p.Pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		g.close()
		return nil, fmt.Errorf("assign PowerShell process %d to its job object: %w", p.Pid, err)
	}
	if err := resumeProcess(uint32(p.Pid)); err != nil {
		_ = g.kill(p)
		g.close()
		return nil, err
	}
	return g, nil
}

// resumeProcess resumes every thread of the suspended process pid (a new
// process has exactly one), found with a Toolhelp snapshot: Go's os/exec
// does not hand back the main thread's handle.
func resumeProcess(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("resume PowerShell process %d: thread snapshot: %w", pid, err)
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("resume PowerShell process %d: open thread %d: %w", pid, te.ThreadID, err)
		}
		_, rerr := windows.ResumeThread(th)
		_ = windows.CloseHandle(th)
		if rerr != nil {
			return fmt.Errorf("resume PowerShell process %d: thread %d: %w", pid, te.ThreadID, rerr)
		}
		resumed++
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return fmt.Errorf("resume PowerShell process %d: walk threads: %w", pid, err)
	}
	if resumed == 0 {
		return fmt.Errorf("resume PowerShell process %d: it has no thread", pid)
	}
	return nil
}

// kill terminates the whole job; after close only p itself can be killed.
func (g *killGroup) kill(p *os.Process) error {
	g.mu.Lock()
	job := g.job
	var err error
	if job != 0 {
		err = windows.TerminateJobObject(job, 1)
	}
	g.mu.Unlock()
	if job != 0 && err == nil {
		return nil
	}
	return p.Kill()
}

// close releases the job handle once; later kills fall back to p.Kill.
func (g *killGroup) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.job != 0 {
		_ = windows.CloseHandle(g.job)
		g.job = 0
	}
}
