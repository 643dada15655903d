//go:build linux

package ps

import (
	"os"
	"os/exec"
	"syscall"
)

// killGroup is the process group the host leads: killing it kills children too.
type killGroup struct{}

func prepareGroup(c *exec.Cmd) {
	// Pdeathsig: if wurepair dies (even SIGKILL), the host dies with it, as
	// a Job Object with KILL_ON_JOB_CLOSE does on Windows.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func joinGroup(*os.Process) (*killGroup, error) { return &killGroup{}, nil }

func (*killGroup) kill(p *os.Process) error {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		return p.Kill()
	}
	return nil
}

func (*killGroup) close() {}
