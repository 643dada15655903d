package app

import (
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

func TestCMTraceFormat(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	cases := []struct {
		name  string
		entry *logrus.Entry
		want  string
	}{
		{"info with fields, US Eastern bias", &logrus.Entry{Time: time.Date(2026, 11, 23, 8, 1, 2, 345e6, est), Level: logrus.InfoLevel,
			Message: "step done", Data: logrus.Fields{"step": "stop wuauserv", "durationMs": 12}},
			`<![LOG[step done (durationMs=12 step=stop wuauserv)]LOG]!><time="08:01:02.345+300" date="11-23-2026" component="stop wuauserv" context="" type="1" thread="42" file="">` + "\r\n"},
		{"error, UTC, terminator in message escaped", &logrus.Entry{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Level: logrus.ErrorLevel,
			Message: "bad ]LOG]!> text", Data: logrus.Fields{}},
			`<![LOG[bad ]LOG] !> text]LOG]!><time="03:04:05.000+000" date="01-02-2026" component="wurepair" context="" type="3" thread="42" file="">` + "\r\n"},
		{"warning east of UTC", &logrus.Entry{Time: time.Date(2026, 6, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)), Level: logrus.WarnLevel,
			Message: "w", Data: logrus.Fields{}},
			`<![LOG[w]LOG]!><time="12:00:00.000-120" date="06-01-2026" component="wurepair" context="" type="2" thread="42" file="">` + "\r\n"},
	}
	f := &cmtraceFormatter{component: "wurepair", thread: 42}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Format(tc.entry)
			if err != nil || string(got) != tc.want {
				t.Fatalf("got  %q\nwant %q (%v)", got, tc.want, err)
			}
		})
	}
}
