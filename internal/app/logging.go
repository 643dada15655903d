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
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text, json or cmtrace (ConfigMgr's CMTrace/OneTrace); " +
			"when given, the log file uses it too (default there: cmtrace)"},
		&cli.StringFlag{Name: "log-file", Usage: "append the log (the audit trail) to `FILE`, rotated at 5 MiB, 5 old files kept " +
			"(default: logs\\wurepair.log in the state directory; \"none\": no file); stderr shows warnings and errors"},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "least severe entries the log file keeps: debug, info, warning or error"},
		&cli.BoolFlag{Name: "verbose", Usage: "log debug detail, to stderr too"},
	}
}

// formatter is the logrus formatter of a --log-format value.
func formatter(name string) (logrus.Formatter, error) {
	switch name {
	case "text":
		return &logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339}, nil
	case "json":
		return &logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano}, nil
	case "cmtrace":
		return &cmtraceFormatter{component: "wurepair", thread: os.Getpid()}, nil
	}
	return nil, usagef("--log-format %q: want text, json or cmtrace", name)
}

// fileLevel is the --log-level of the log file (--verbose: debug).
func fileLevel(c *cli.Context) (logrus.Level, error) {
	if c.Bool("verbose") {
		return logrus.DebugLevel, nil
	}
	switch v := strings.ToLower(c.String("log-level")); v {
	case "debug":
		return logrus.DebugLevel, nil
	case "", "info":
		return logrus.InfoLevel, nil
	case "warning", "warn":
		return logrus.WarnLevel, nil
	case "error":
		return logrus.ErrorLevel, nil
	}
	return 0, usagef("--log-level %q: want debug, info, warning or error", c.String("log-level"))
}

// newLogger builds the logrus logger behind our one logging seam. The
// returned close function flushes and closes the log file.
//
// stderr carries warnings and errors (the progress lines on stdout
// already say what happens) unless --verbose; the log file, the audit
// log, carries everything from --log-level up. Each sink filters its own
// level and has its own format through a hook; the logger itself writes
// nowhere. The log file goes to the state directory's logs\ unless
// --log-file says otherwise; when that default place cannot be written
// (a standard user, a read-only disk) the command still runs, with a
// warning.
func (d *deps) newLogger(c *cli.Context) (*logrus.Logger, func() error, error) {
	stderrFormat, err := formatter(c.String("log-format"))
	if err != nil {
		return nil, nil, err
	}
	fileFormat := stderrFormat
	if !c.IsSet("log-format") {
		fileFormat, _ = formatter("cmtrace")
	}
	level, err := fileLevel(c)
	if err != nil {
		return nil, nil, err
	}
	stderrLevel := logrus.WarnLevel
	if c.Bool("verbose") {
		stderrLevel = logrus.DebugLevel
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	log.SetLevel(max(level, stderrLevel)) // logrus levels grow less severe
	log.AddHook(&sinkHook{w: d.env.Stderr, f: stderrFormat, max: stderrLevel})
	closeFn := func() error { return nil }
	path, explicit := c.String("log-file"), c.IsSet("log-file")
	if path == logFileOff {
		return log, closeFn, nil
	}
	var file *rotatingFile
	if path == "" {
		path, err = d.defaultLogFile(c)
	}
	if err == nil {
		file, err = openRotatingFile(path, logMaxBytes, logKeep)
	}
	switch {
	case err != nil && explicit:
		return nil, nil, usagef("--log-file: %w", err)
	case err != nil:
		log.Warnf("no log file: %v (pass --log-file FILE, or --log-file none)", err)
	default:
		log.AddHook(&sinkHook{w: file, f: fileFormat, max: level})
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
	b, err := h.f.Format(safeEntry(e))
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
	msg := oneLine(e.Message) // one record per line: grep and CMTrace agree
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

// safeEntry is e with its message and every field value on one line and
// escaped (printable): a script error carrying ESC sequences or CR/LF
// cannot forge a log record or reach a terminal that shows the log.
// Numbers and booleans are kept as they are (JSON keeps their type).
func safeEntry(e *logrus.Entry) *logrus.Entry {
	c := *e
	c.Message = printable(oneLine(e.Message))
	c.Data = make(logrus.Fields, len(e.Data))
	for k, v := range e.Data {
		switch v := v.(type) {
		case bool, int, int32, int64, uint, uint32, uint64, float64:
			c.Data[k] = v
		case error:
			c.Data[k] = printable(oneLine(v.Error()))
		default:
			c.Data[k] = printable(oneLine(fmt.Sprint(v)))
		}
	}
	return &c
}
