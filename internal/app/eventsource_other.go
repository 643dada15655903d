//go:build !windows

package app

// There is no Event Log off Windows: nothing to register or remove.
func registerEventSource() error { return nil }
func removeEventSource() error   { return nil }
