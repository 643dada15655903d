package app

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
)

func outputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "output format: text or json"}
}

// outputFormat validates --output.
func outputFormat(c *cli.Context) (string, error) {
	switch f := c.String("output"); f {
	case "", "text":
		return "text", nil
	case "json":
		return f, nil
	default:
		return "", usagef("--output %q: want text or json", f)
	}
}

// writeJSON writes one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Text that came from the machine (script errors, folder names, service
// names, a journal's fields) is hostile input: an ESC sequence in it
// could rewrite the admin's terminal (retitle it, hide lines, fake a
// prompt), a CR or LF could forge an output line or a log record, and a
// bidirectional override could make one path read as another. The rule
// is printable's (the one `runs show` applies to journals): such a
// character is written as \uXXXX. It is applied where text leaves
// wurepair, not where it is made:
//   - terminalWriter wraps stdout and stderr (Env.fill): every byte any
//     command prints passes through it. It keeps LF and TAB (and CR right
//     before LF) so wurepair's own layout survives; a host line break is
//     escaped where the text is laid out (writeDiagnosis, backups list).
//   - safeEntry, in the logging seam (sinkHook), puts every log message
//     and field on one line and escapes it, for the log file in every
//     format and for stderr.
//   - eventText escapes the Event Log summary.

// unsafeRune: a character printable escapes.
func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// printable escapes control and format characters (terminal escapes,
// bidirectional overrides, line breaks) so text from a file or from the
// machine can be printed safely.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			writeEscaped(&b, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func writeEscaped(b *strings.Builder, r rune) { fmt.Fprintf(b, "\\u%04x", r) }

// printableAll is printable of each line.
func printableAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = printable(l)
	}
	return out
}

// terminalWriter escapes what printable escapes, except the line breaks
// and tabs of wurepair's own layout (LF, TAB, CR before LF).
type terminalWriter struct{ w io.Writer }

// safeTerminal wraps w once.
func safeTerminal(w io.Writer) io.Writer {
	if _, ok := w.(terminalWriter); ok {
		return w
	}
	return terminalWriter{w}
}

func (t terminalWriter) Write(p []byte) (int, error) {
	plain := true
	for _, c := range p {
		if (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return t.w.Write(p)
	}
	s := string(p)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n', r == '\t', r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteRune(r)
		case unsafeRune(r):
			writeEscaped(&b, r)
		default:
			b.WriteRune(r)
		}
	}
	if _, err := io.WriteString(t.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
