package app

import "os"

// stdinIsTerminal: a character device on stdin means a person can answer.
func stdinIsTerminal() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
