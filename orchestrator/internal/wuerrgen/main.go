// Command wuerrgen writes orchestrator/wuerr_table.go: every WU_E_*/WU_S_*
// code of the Windows SDK's wuerror.h (the copy mingw-w64 ships) merged
// with wurepair's curated codes (orchestrator/wuerr_codes.tsv) and the
// written meanings of every other wuerror.h code (orchestrator/wuerr_meanings.tsv).
// A curated line wins over the family default; for an SDK code its symbol
// must be the SDK's spelling. The header has no message text, and a
// meaning is never made up from a symbol: an SDK code with neither a
// curated line nor a meaning line stops the generator.
//
//	go run ./orchestrator/internal/wuerrgen -header /usr/share/mingw-w64/include/wuerror.h \
//	    -data orchestrator/wuerr_codes.tsv -meanings orchestrator/wuerr_meanings.tsv \
//	    -out orchestrator/wuerr_table.go
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Entry is one code of the table.
type Entry struct {
	HResult uint32
	Symbol  string
	Class   string
	Source  string
	Meaning string
	Note    string
	SDK     bool
}

var defineRE = regexp.MustCompile(`^#define\s+(WU_[ES]_\w+)\s+_HRESULT_TYPEDEF_\((0x[0-9A-Fa-f]{8})\)`)

// ParseHeader reads the WU_E_*/WU_S_* defines of wuerror.h.
func ParseHeader(r io.Reader) (map[uint32]string, error) {
	out := map[uint32]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := defineRE.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		v, err := strconv.ParseUint(m[2][2:], 16, 32)
		if err != nil {
			return nil, fmt.Errorf("wuerror.h: %s: %w", m[1], err)
		}
		if prev, dup := out[uint32(v)]; dup && prev != m[1] {
			return nil, fmt.Errorf("wuerror.h: %s and %s share 0x%08X", prev, m[1], v)
		}
		out[uint32(v)] = m[1]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("wuerror.h: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("wuerror.h: no WU_E_/WU_S_ defines found")
	}
	return out, nil
}

// tsvRow is one data line of a TSV file: its line number and its fields.
type tsvRow struct {
	line   int
	fields []string
}

// readTSV reads tab-separated lines, skipping blank lines and # comments.
func readTSV(r io.Reader) ([]tsvRow, error) {
	var rows []tsvRow
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		rows = append(rows, tsvRow{line, strings.Split(t, "\t")})
	}
	return rows, sc.Err()
}

// parseCode reads a code column: 0x and 8 hex digits.
func parseCode(line int, s string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 32)
	if err != nil || !strings.HasPrefix(s, "0x") || len(s) != 10 {
		return 0, fmt.Errorf("line %d: code %q: want 0x and 8 hex digits", line, s)
	}
	return uint32(v), nil
}

// ParseData reads the curated TSV.
func ParseData(r io.Reader) ([]Entry, error) {
	var out []Entry
	rows, err := readTSV(r)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		line, f := row.line, row.fields
		if len(f) != 6 {
			return nil, fmt.Errorf("line %d: want 6 tab-separated columns, got %d", line, len(f))
		}
		v, err := parseCode(line, f[0])
		if err != nil {
			return nil, err
		}
		sym := f[1]
		if sym == "-" {
			sym = ""
		}
		src := f[3]
		if src == "-" {
			src = ""
		}
		if !validClass[f[2]] {
			return nil, fmt.Errorf("line %d: class %q is not one of the contract's classes", line, f[2])
		}
		if f[4] == "" {
			return nil, fmt.Errorf("line %d: no meaning", line)
		}
		out = append(out, Entry{HResult: v, Symbol: sym, Class: f[2], Source: src, Meaning: f[4], Note: f[5]})
	}
	return out, nil
}

// Meaning is one line of wuerr_meanings.tsv.
type Meaning struct {
	HResult uint32
	Symbol  string
	From    string // "wuref" (Microsoft's reference, paraphrased) or "symbol" (ours, from the symbol)
	Text    string
}

// ParseMeanings reads wuerr_meanings.tsv.
func ParseMeanings(r io.Reader) ([]Meaning, error) {
	var out []Meaning
	rows, err := readTSV(r)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		line, f := row.line, row.fields
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want 4 tab-separated columns (code symbol from meaning), got %d", line, len(f))
		}
		v, err := parseCode(line, f[0])
		if err != nil {
			return nil, err
		}
		if f[2] != "wuref" && f[2] != "symbol" {
			return nil, fmt.Errorf("line %d: from %q: want wuref or symbol", line, f[2])
		}
		if strings.TrimSpace(f[3]) == "" {
			return nil, fmt.Errorf("line %d: %s has no meaning", line, f[1])
		}
		out = append(out, Meaning{HResult: v, Symbol: f[1], From: f[2], Text: f[3]})
	}
	return out, nil
}

var validClass = map[string]bool{"store-reset": true, "component-store-repair": true, "repair-source": true, "agent-registration": true,
	"network": true, "update-server": true, "tls-trust": true, "policy-wsus": true, "service-disabled": true, "reboot-pending": true,
	"disk-space": true, "resources": true, "permissions-interference": true, "transient-retry": true, "not-an-error": true, "investigate": true}

// Default is an SDK code's class and source when no curated line names it:
// class from its family (the WUA networking error codes page defines the
// HTTP and WinHTTP families; success codes are not errors), else
// investigate. It has no meaning: that comes from wuerr_meanings.tsv.
func Default(h uint32, sym string) Entry {
	e := Entry{HResult: h, Symbol: sym, SDK: true, Class: "investigate", Source: "wuref"}
	switch {
	case strings.HasPrefix(sym, "WU_S_") || h&0x80000000 == 0:
		e.Class = "not-an-error"
	case strings.HasPrefix(sym, "WU_E_PT_HTTP_STATUS_"):
		e.Class, e.Source = "update-server", "wuanet"
	case strings.HasPrefix(sym, "WU_E_PT_WINHTTP_"):
		e.Class, e.Source = "network", "wuanet"
	}
	return e
}

// Merge builds the sorted table. Every SDK code needs a curated line or
// a meaning line (not both); a meaning line must name an SDK code with the
// SDK's symbol. All problems are reported at once.
func Merge(sdk map[uint32]string, curated []Entry, meanings []Meaning) ([]Entry, error) {
	byCode := map[uint32]Entry{}
	for h, sym := range sdk {
		byCode[h] = Default(h, sym)
	}
	seen := map[uint32]bool{}
	for _, c := range curated {
		if seen[c.HResult] {
			return nil, fmt.Errorf("0x%08X is curated twice", c.HResult)
		}
		seen[c.HResult] = true
		if sym, ok := sdk[c.HResult]; ok {
			if c.Symbol != sym {
				return nil, fmt.Errorf("0x%08X: curated symbol %q, the SDK says %q (the SDK wins)", c.HResult, c.Symbol, sym)
			}
			c.SDK = true
		}
		if c.HResult&0x80000000 == 0 && c.Class != "not-an-error" {
			return nil, fmt.Errorf("0x%08X: the high bit is clear (success), so its class must be not-an-error", c.HResult)
		}
		byCode[c.HResult] = c
	}
	var errs []error
	meant := map[uint32]bool{}
	for _, m := range meanings {
		sym, inSDK := sdk[m.HResult]
		switch {
		case meant[m.HResult]:
			errs = append(errs, fmt.Errorf("0x%08X has two meaning lines", m.HResult))
		case !inSDK:
			errs = append(errs, fmt.Errorf("0x%08X %s: a meaning line for a code wuerror.h does not define (put it in the curated codes)", m.HResult, m.Symbol))
		case m.Symbol != sym:
			errs = append(errs, fmt.Errorf("0x%08X: meaning line says %q, the SDK says %q (the SDK wins)", m.HResult, m.Symbol, sym))
		case seen[m.HResult]:
			errs = append(errs, fmt.Errorf("0x%08X %s: both a curated line and a meaning line (keep one)", m.HResult, sym))
		}
		meant[m.HResult] = true
		if inSDK && !seen[m.HResult] && m.Symbol == sym {
			e := byCode[m.HResult]
			e.Meaning = m.Text
			if m.From == "symbol" && e.Source == "wuref" {
				e.Source = "" // Microsoft's reference does not describe this code
			}
			byCode[m.HResult] = e
		}
	}
	out := make([]Entry, 0, len(byCode))
	for _, e := range byCode {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].HResult < out[j].HResult })
	for _, e := range out {
		if e.Meaning == "" {
			errs = append(errs, fmt.Errorf("0x%08X %s has no written meaning: add a line to the meanings file", e.HResult, e.Symbol))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

var classConst = map[string]string{"store-reset": "ClassStoreReset", "component-store-repair": "ClassComponentStoreRepair",
	"repair-source": "ClassRepairSource", "agent-registration": "ClassAgentRegistration", "network": "ClassNetwork",
	"update-server": "ClassUpdateServer", "tls-trust": "ClassTLSTrust", "policy-wsus": "ClassPolicyWSUS",
	"service-disabled": "ClassServiceDisabled", "reboot-pending": "ClassRebootPending", "disk-space": "ClassDiskSpace",
	"resources": "ClassResources", "permissions-interference": "ClassPermissionsInterference", "transient-retry": "ClassTransientRetry",
	"not-an-error": "ClassNotAnError", "investigate": "ClassInvestigate"}

// Render writes the Go source.
func Render(entries []Entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by orchestrator/internal/wuerrgen from wuerror.h, wuerr_codes.tsv and wuerr_meanings.tsv; DO NOT EDIT.\n\n")
	b.WriteString("package orchestrator\n\n")
	b.WriteString("// codeTable is the error reference, sorted by HRESULT.\n")
	b.WriteString("var codeTable = [...]CodeInfo{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t{HResult: 0x%08X, Symbol: %q, Class: %s, Meaning: %q, Source: %q, Note: %q, SDK: %v},\n",
			e.HResult, e.Symbol, classConst[e.Class], e.Meaning, e.Source, e.Note, e.SDK)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func run() error {
	header := flag.String("header", "/usr/share/mingw-w64/include/wuerror.h", "the SDK's wuerror.h")
	data := flag.String("data", "wuerr_codes.tsv", "the curated codes")
	meaningsPath := flag.String("meanings", "wuerr_meanings.tsv", "the written meanings of the other wuerror.h codes")
	out := flag.String("out", "wuerr_table.go", "the Go file to write")
	flag.Parse()
	hf, err := os.Open(*header)
	if err != nil {
		return fmt.Errorf("%w (install mingw-w64-common)", err)
	}
	defer hf.Close()
	sdk, err := ParseHeader(hf)
	if err != nil {
		return err
	}
	df, err := os.Open(*data)
	if err != nil {
		return err
	}
	defer df.Close()
	curated, err := ParseData(df)
	if err != nil {
		return fmt.Errorf("%s: %w", *data, err)
	}
	mf, err := os.Open(*meaningsPath)
	if err != nil {
		return err
	}
	defer mf.Close()
	meanings, err := ParseMeanings(mf)
	if err != nil {
		return fmt.Errorf("%s: %w", *meaningsPath, err)
	}
	entries, err := Merge(sdk, curated, meanings)
	if err != nil {
		return err
	}
	src, err := Render(entries)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wuerrgen:", err)
		os.Exit(1)
	}
}
