package app

import (
	"os"

	"golang.org/x/term"
)

// stdinIsTerminal reports whether a person can answer a prompt on stdin.
func stdinIsTerminal() bool { return isTerminal(os.Stdin) }

// isTerminal asks the OS whether f is a terminal (termios on Unix, a
// console mode on Windows). A character device is not enough: /dev/null
// and NUL are character devices, and an unattended `</dev/null` run must
// refuse to prompt instead of reading an empty answer.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
