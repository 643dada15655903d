package app

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// logFlags are shared by every command that works.
func logFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text, json or cmtrace (ConfigMgr's CMTrace/OneTrace)"},
		&cli.StringFlag{Name: "log-file", Usage: "append the log (info and up: the audit trail) to `FILE`; stderr shows warnings and errors"},
		&cli.BoolFlag{Name: "verbose", Usage: "log debug detail, to stderr too"},
	}
}

// newLogger builds the logrus logger behind our one logging seam. The
// returned close function flushes and closes the log file.
func (d *deps) newLogger(c *cli.Context) (*logrus.Logger, func() error, error) {
	var f logrus.Formatter
	switch c.String("log-format") {
	case "text":
		f = &logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339}
	case "json":
		f = &logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano}
	case "cmtrace":
		f = &cmtraceFormatter{component: "wurepair", thread: os.Getpid()}
	default:
		return nil, nil, usagef("--log-format %q: want text, json or cmtrace", c.String("log-format"))
	}
	// stderr carries warnings and errors (the progress lines on stdout
	// already say what happens) unless --verbose; the --log-file, the
	// audit log, carries everything from info up. Each sink filters its
	// own level through a hook; the logger itself writes nowhere.
	verbose := c.Bool("verbose")
	log := logrus.New()
	log.SetFormatter(f)
	log.SetOutput(io.Discard)
	log.SetLevel(logrus.InfoLevel)
	stderrLevel := logrus.WarnLevel
	if verbose {
		log.SetLevel(logrus.DebugLevel)
		stderrLevel = logrus.DebugLevel
	}
	log.AddHook(&sinkHook{w: d.env.Stderr, f: f, max: stderrLevel})
	closeFn := func() error { return nil }
	if path := c.String("log-file"); path != "" {
		file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, usagef("--log-file: %w", err)
		}
		log.AddHook(&sinkHook{w: file, f: f, max: log.GetLevel()})
		closeFn = file.Close
	}
	return log, closeFn, nil
}

// sinkHook writes the entries at max or more severe to w.
type sinkHook struct {
	w   io.Writer
	f   logrus.Formatter
	max logrus.Level
}

func (h *sinkHook) Levels() []logrus.Level { return logrus.AllLevels[:h.max+1] }

func (h *sinkHook) Fire(e *logrus.Entry) error {
	b, err := h.f.Format(e)
	if err != nil {
		return err
	}
	_, err = h.w.Write(b)
	return err
}

// cmtraceFormatter writes the format ConfigMgr admins read with CMTrace:
// <![LOG[msg]LOG]!><time="HH:mm:ss.fff+bias" date="MM-dd-yyyy" component="c" context="" type="1|2|3" thread="n" file="">
// bias is minutes west of UTC, as Windows' TIME_ZONE_INFORMATION.Bias.
type cmtraceFormatter struct {
	component string
	thread    int
}

func (f *cmtraceFormatter) Format(e *logrus.Entry) ([]byte, error) {
	msg := e.Message
	if len(e.Data) > 0 {
		keys := make([]string, 0, len(e.Data))
		for k := range e.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%v", k, e.Data[k]))
		}
		msg += " (" + strings.Join(parts, " ") + ")"
	}
	// The message cannot contain the record terminator.
	msg = strings.ReplaceAll(msg, "]LOG]!>", "]LOG] !>")
	typ := 1
	switch {
	case e.Level <= logrus.ErrorLevel:
		typ = 3
	case e.Level == logrus.WarnLevel:
		typ = 2
	}
	component := f.component
	if step, ok := e.Data["step"].(string); ok && step != "" {
		component = step
	}
	_, offset := e.Time.Zone()
	bias := -offset / 60
	var b bytes.Buffer
	fmt.Fprintf(&b, `<![LOG[%s]LOG]!><time="%s%+04d" date="%s" component="%s" context="" type="%d" thread="%d" file="">`+"\r\n",
		msg, e.Time.Format("15:04:05.000"), bias, e.Time.Format("01-02-2006"), component, typ, f.thread)
	return b.Bytes(), nil
}
