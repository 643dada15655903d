package ps

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/bhendo/go-powershell/backend"
)

// Process is what our Starter returns as go-powershell's backend.Waiter: it
// can also be killed (with its children) and tells its exit code.
type Process interface {
	backend.Waiter
	Kill() error
	Pid() int
}

// LocalStarter starts PowerShell on this machine. It implements
// go-powershell's backend.Starter, but unlike backend.Local it keeps the
// process so it can be killed, gives it plain OS pipes (so Wait never blocks
// on a pipe a grandchild still holds), and puts it in a kill group: a Job
// Object on Windows, a process group elsewhere.
type LocalStarter struct {
	// Env is appended to the current environment (which loses
	// PSModulePath first: see hostEnv).
	Env []string
}

var _ backend.Starter = (*LocalStarter)(nil)

type localProcess struct {
	cmd      *exec.Cmd
	group    *killGroup
	waitOnce sync.Once
	waitErr  error
}

func (p *localProcess) Wait() error {
	p.waitOnce.Do(func() {
		p.waitErr = p.cmd.Wait()
		p.group.close()
	})
	return p.waitErr
}

func (p *localProcess) Kill() error {
	return p.group.kill(p.cmd.Process)
}

func (p *localProcess) Pid() int { return p.cmd.Process.Pid }

// StartProcess starts cmd with args and returns its stdin, stdout and stderr.
func (s *LocalStarter) StartProcess(cmd string, args ...string) (backend.Waiter, io.Writer, io.Reader, io.Reader, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("stdin pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, nil, nil, nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, nil, nil, nil, fmt.Errorf("stderr pipe: %w", err)
	}
	if err := noInherit(inW, outR, errR); err != nil {
		closeAll(inR, inW, outR, outW, errR, errW)
		return nil, nil, nil, nil, err
	}
	dir, err := hostDir()
	if err != nil {
		closeAll(inR, inW, outR, outW, errR, errW)
		return nil, nil, nil, nil, fmt.Errorf("host working directory: %w", err)
	}
	c := exec.Command(cmd, args...)
	c.Dir = dir
	c.Env = append(hostEnv(os.Environ()), s.Env...)
	c.Stdin, c.Stdout, c.Stderr = inR, outW, errW
	prepareGroup(c)
	if err := c.Start(); err != nil {
		closeAll(inR, inW, outR, outW, errR, errW)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil, nil, fmt.Errorf("%w: %s: %w", ErrNotFound, cmd, err)
		}
		return nil, nil, nil, nil, fmt.Errorf("start %s: %w", cmd, err)
	}
	// The child has its own copies now.
	closeAll(inR, outW, errW)
	group, err := joinGroup(c.Process)
	if err != nil {
		// Never run a host that could outlive us or leave children behind.
		_ = c.Process.Kill()
		_ = c.Wait()
		closeAll(inW, outR, errR)
		return nil, nil, nil, nil, fmt.Errorf("start %s: %w", cmd, err)
	}
	p := &localProcess{cmd: c, group: group}
	return p, inW, outR, errR, nil
}

// hostEnv is env without PSModulePath. Started from pwsh 7 (a console, a
// scheduled task wrapper), wurepair would otherwise hand Windows PowerShell
// 5.1 pwsh's module folders, and 5.1 would autoload PowerShell 7 modules
// of the same names as its own (Microsoft.PowerShell.Management...). With
// the variable absent, each PowerShell builds its own default path.
func hostEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, "PSModulePath") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}
