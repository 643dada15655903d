//go:build !windows && !linux

package ps

import (
	"os"
	"os/exec"
	"syscall"
)

// killGroup is the process group the host leads: killing it kills children too.
type killGroup struct{}

func prepareGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func joinGroup(*os.Process) (*killGroup, error) { return &killGroup{}, nil }

func (*killGroup) kill(p *os.Process) error {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		return p.Kill()
	}
	return nil
}

func (*killGroup) close() {}
