// Command fakehost is a fake powershell.exe for wurepair's tests and demo:
// pass it to wurepair as --powershell, with WUREPAIR_FAKEHOST_SCENARIO set.
package main

import (
	"os"

	"github.com/wurepair/wurepair/tests/fakehost"
)

func main() {
	os.Exit(fakehost.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
