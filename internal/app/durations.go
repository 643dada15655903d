package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseDuration is time.ParseDuration that also takes days, as admins
// write them: "30d", "1d12h" (issue 18). A day is 24 hours.
func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		n, err := strconv.ParseUint(t[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("duration %q: want a number of days before 'd', then optionally Go units (30d, 1d12h, 720h, 90s)", s)
		}
		days, t = time.Duration(n)*24*time.Hour, t[i+1:]
		if t == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 30d, 1d12h, 720h or 90s", s)
	}
	if d < 0 || days > 0 && d > time.Duration(1<<63-1)-days {
		return 0, fmt.Errorf("duration %q: out of range", s)
	}
	return days + d, nil
}

// durationValue is a cli.Generic duration flag that accepts days.
type durationValue struct{ d time.Duration }

func (v *durationValue) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	v.d = d
	return nil
}

func (v *durationValue) String() string {
	if v == nil {
		return ""
	}
	return formatDuration(v.d)
}

// formatDuration prints whole days as days ("7d"), the rest as Go does.
func formatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// Get makes the flag readable through cli.Context.Value (flag.Getter).
func (v *durationValue) Get() any { return v.d }
