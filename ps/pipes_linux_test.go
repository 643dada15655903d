package ps

import (
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// Go's ends of the host's pipes must not leak into anything the process
// starts later: close-on-exec on every one of them.
func TestPipeEndsAreCloseOnExec(t *testing.T) {
	p, in, out, errr, err := (&LocalStarter{}).StartProcess("/bin/cat")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = p.(Process).Kill()
		_ = p.Wait()
	}()
	for name, x := range map[string]any{"stdin": in, "stdout": out, "stderr": errr} {
		f, ok := x.(*os.File)
		if !ok {
			t.Fatalf("%s is %T, not an *os.File", name, x)
		}
		rc, err := f.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var flags int
		var ferr error
		if err := rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFD, 0) }); err != nil || ferr != nil {
			t.Fatal(err, ferr)
		}
		if flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: FD_CLOEXEC not set", name)
		}
	}
	_ = in.(io.Closer).Close()
}
