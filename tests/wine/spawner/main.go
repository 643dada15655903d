// Command spawner is a test-only PowerShell stand-in for tests/wine/smoke.sh
// that has children, as a real powershell.exe does (regsvr32, DISM ...): it
// runs the fake host (tests/fakehost, path in WUREPAIR_SPAWNER_HOST) as its
// child, relaying its stdin to it, and once the first request line has
// arrived (so wurepair has put this process in its Job Object, which
// children inherit) a second child, `spawner -sleep`, that never exits and
// never reads stdin. When wurepair kills the session on a timeout, all three
// must die: the smoke test then looks for any of them in Wine's process list.
//
// Not part of the product; built only by the Wine smoke test.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-sleep" {
		// A child that outlives its parent unless something kills it.
		for {
			time.Sleep(time.Hour)
		}
	}
	os.Exit(run())
}

func run() int {
	hostPath := os.Getenv("WUREPAIR_SPAWNER_HOST")
	if hostPath == "" {
		fmt.Fprintln(os.Stderr, "spawner: WUREPAIR_SPAWNER_HOST is not set")
		return 2
	}
	in := bufio.NewReader(os.Stdin)
	first, err := in.ReadString('\n')
	if err != nil {
		fmt.Fprintf(os.Stderr, "spawner: read the first line: %v\n", err)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "spawner: %v\n", err)
		return 2
	}
	sleeper := exec.Command(self, "-sleep")
	if err := sleeper.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "spawner: start the sleeper: %v\n", err)
		return 2
	}
	host := exec.Command(hostPath, os.Args[1:]...)
	host.Stdout, host.Stderr = os.Stdout, os.Stderr
	w, err := host.StdinPipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "spawner: %v\n", err)
		return 2
	}
	if err := host.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "spawner: start the host: %v\n", err)
		return 2
	}
	go func() {
		_, _ = io.WriteString(w, first)
		_, _ = io.Copy(w, in)
		_ = w.Close()
	}()
	if err := host.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return 1
	}
	return 0
}
