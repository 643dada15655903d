package scripts

// Lint rules over the embedded scripts that need no Node and no PowerShell.
// tests/psgrammar checks the same scripts with the real PowerShell grammar;
// this file is the fast first line: a tiny tokenizer that drops comments and
// string contents, so a comment or a string that mentions Write-Host passes
// and a Write-Host in code fails.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"
	"unicode"
)

type tokKind int

const (
	tokWord   tokKind = iota // a bareword, variable, parameter, number, operator...
	tokString                // a quoted string or here-string; text is its raw content
	tokPunct                 // one of ( ) { } [ ] ; , | & =
)

type token struct {
	kind tokKind
	text string
	line int
}

// PowerShell accepts typographic quotes as quotes.
func isSingleQuote(r rune) bool { return r == '\'' || (r >= '\u2018' && r <= '\u201b') }
func isDoubleQuote(r rune) bool { return r == '"' || (r >= '\u201c' && r <= '\u201e') }

const punct = "(){}[];,|&="

// tokenize splits PowerShell source into words, strings and punctuation,
// dropping comments (# to end of line, <# ... #>). It is deliberately small:
// it does not know expression vs argument mode, and a $(...) inside a
// double-quoted string counts as string content (tests/psgrammar walks into
// those). Good enough to find command names and a few fixed statements.
func tokenize(src string) []token {
	r := []rune(src)
	var toks []token
	var word []rune
	line, wordLine := 1, 1
	flush := func() {
		if len(word) > 0 {
			toks = append(toks, token{tokWord, string(word), wordLine})
			word = word[:0]
		}
	}
	at := func(i int) rune {
		if i < len(r) {
			return r[i]
		}
		return 0
	}
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case c == '<' && at(i+1) == '#': // block comment
			flush()
			for i += 2; i < len(r) && !(r[i] == '#' && at(i+1) == '>'); i++ {
				if r[i] == '\n' {
					line++
				}
			}
			i += 2
		case c == '#' && len(word) == 0: // line comment (# inside a word is literal)
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '`': // escape; backtick-newline continues the line
			if at(i+1) == '\n' || at(i+1) == '\r' {
				flush()
			} else if i+1 < len(r) {
				if len(word) == 0 {
					wordLine = line
				}
				word = append(word, r[i+1])
			}
			i += 2
		case c == '@' && (isSingleQuote(at(i+1)) || isDoubleQuote(at(i+1))) && restOfLineBlank(r, i+2):
			flush()
			start := line
			end, n := hereString(r, i)
			toks = append(toks, token{tokString, string(r[i:end]), start})
			line += n
			i = end
		case isSingleQuote(c) || isDoubleQuote(c):
			flush()
			start := line
			end := quoted(r, i)
			toks = append(toks, token{tokString, string(r[i:end]), start})
			line += strings.Count(string(r[i:end]), "\n")
			i = end
		case unicode.IsSpace(c):
			flush()
			if c == '\n' {
				line++
			}
			i++
		case strings.ContainsRune(punct, c):
			flush()
			toks = append(toks, token{tokPunct, string(c), line})
			i++
		default:
			if len(word) == 0 {
				wordLine = line
			}
			word = append(word, c)
			i++
		}
	}
	flush()
	return toks
}

func restOfLineBlank(r []rune, i int) bool {
	for ; i < len(r) && r[i] != '\n'; i++ {
		if !unicode.IsSpace(r[i]) {
			return false
		}
	}
	return true
}

// hereString returns the end of the here-string opening at r[i] ('@' then a
// quote) and the newlines it spans. It closes at a line starting with quote+@.
func hereString(r []rune, i int) (end, lines int) {
	double := isDoubleQuote(r[i+1])
	for j := i + 2; j < len(r); j++ {
		if r[j] != '\n' {
			continue
		}
		lines++
		if j+2 < len(r) && r[j+2] == '@' && ((double && isDoubleQuote(r[j+1])) || (!double && isSingleQuote(r[j+1]))) {
			return j + 3, lines
		}
	}
	return len(r), lines
}

// quoted returns the end of the string opening at r[i]. Single-quoted: a
// doubled quote is an escape. Double-quoted: backtick escapes, doubled
// quotes, and $( ... ) sub-expressions that may hold their own strings.
func quoted(r []rune, i int) int {
	if isSingleQuote(r[i]) {
		for j := i + 1; j < len(r); j++ {
			if isSingleQuote(r[j]) {
				if j+1 < len(r) && isSingleQuote(r[j+1]) {
					j++
					continue
				}
				return j + 1
			}
		}
		return len(r)
	}
	for j := i + 1; j < len(r); j++ {
		switch {
		case r[j] == '`':
			j++
		case r[j] == '$' && j+1 < len(r) && r[j+1] == '(':
			j = subExpression(r, j+1) - 1
		case isDoubleQuote(r[j]):
			if j+1 < len(r) && isDoubleQuote(r[j+1]) {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(r)
}

// subExpression returns the index after the ')' matching the '(' at r[i].
func subExpression(r []rune, i int) int {
	depth := 0
	for j := i; j < len(r); j++ {
		switch {
		case r[j] == '`':
			j++
		case isSingleQuote(r[j]) || isDoubleQuote(r[j]):
			j = quoted(r, j) - 1
		case r[j] == '(':
			depth++
		case r[j] == ')':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(r)
}

// stringValue is a string token's content without its quotes.
func stringValue(t token) string {
	s := []rune(strings.TrimPrefix(t.text, "@"))
	if len(s) >= 2 {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSuffix(strings.TrimSpace(string(s)), "@")
}

// commandWord is a word as a command name: lower case, module or path
// qualifier dropped (Microsoft.PowerShell.Utility\Write-Host -> write-host).
func commandWord(t token) string {
	if t.kind != tokWord {
		return ""
	}
	w := strings.ToLower(t.text)
	if k := strings.LastIndexAny(w, `\/`); k >= 0 {
		w = w[k+1:]
	}
	return w
}

type lintProblem struct {
	line int
	rule string
	msg  string
}

// lintScript applies the rules to one script's text.
func lintScript(src string) []lintProblem {
	toks := tokenize(src)
	var out []lintProblem
	add := func(line int, rule, msg string) { out = append(out, lintProblem{line, rule, msg}) }
	is := func(i int, kind tokKind, text string) bool {
		return i < len(toks) && toks[i].kind == kind && strings.EqualFold(toks[i].text, text)
	}

	for _, t := range toks {
		switch commandWord(t) {
		case "write-host":
			add(t.line, "no-write-host", "Write-Host writes to the host, not to a stream wurepair captures")
		case "invoke-expression", "iex":
			add(t.line, "no-invoke-expression", t.text+" runs a string as code")
		}
	}

	strict, stop := false, false
	for i, t := range toks {
		// Set-StrictMode -Version Latest (-Vers... at least: shorter prefixes also match -Verbose).
		if commandWord(t) == "set-strictmode" && i+2 < len(toks) {
			p := strings.ToLower(strings.TrimSuffix(toks[i+1].text, ":"))
			if toks[i+1].kind == tokWord && len(p) >= 5 && strings.HasPrefix("-version", p) &&
				strings.EqualFold(valueOf(toks[i+2]), "Latest") {
				strict = true
			}
		}
		// $ErrorActionPreference = 'Stop' (or [...ActionPreference]::Stop)
		name := strings.ToLower(t.text)
		if t.kind == tokWord && (name == "$erroractionpreference" || name == "$script:erroractionpreference") && is(i+1, tokPunct, "=") {
			if i+2 < len(toks) && toks[i+2].kind == tokString && strings.EqualFold(stringValue(toks[i+2]), "Stop") {
				stop = true
			}
			if is(i+2, tokPunct, "[") && i+5 < len(toks) && strings.HasSuffix(strings.ToLower(toks[i+3].text), "actionpreference") &&
				is(i+4, tokPunct, "]") && is(i+5, tokWord, "::Stop") {
				stop = true
			}
		}
	}
	if !strict {
		add(1, "strict-mode", "no `Set-StrictMode -Version Latest`")
	}
	if !stop {
		add(1, "error-action-stop", "no `$ErrorActionPreference = 'Stop'`")
	}

	// The script must open with its attributes and param(): [CmdletBinding()] must
	// come before the first param( and the file must start with [ or param.
	binding := false
	first := -1
	for i := range toks {
		if is(i, tokWord, "param") && is(i+1, tokPunct, "(") {
			first = i
			break
		}
		if is(i, tokPunct, "[") && is(i+1, tokWord, "CmdletBinding") && is(i+2, tokPunct, "(") {
			binding = true
		}
	}
	startsRight := len(toks) > 0 && (is(0, tokPunct, "[") || is(0, tokWord, "param"))
	if first < 0 || !binding || !startsRight {
		add(1, "cmdletbinding", "the script does not open with [CmdletBinding()] param(...)")
	}
	return out
}

// valueOf is a word's text or a string's content.
func valueOf(t token) string {
	if t.kind == tokString {
		return stringValue(t)
	}
	return t.text
}

// embeddedScripts lists the *.ps1 in the embed FS that are lint targets
// (Pester tests excluded).
func embeddedScripts(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(files, "*.ps1")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !strings.HasSuffix(strings.ToLower(n), ".tests.ps1") {
			out = append(out, n)
		}
	}
	return out
}

func TestLintEmbeddedScripts(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	names := embeddedScripts(t)
	if len(names) < 2 || len(c.All()) == 0 {
		t.Fatalf("found %d embedded scripts and %d manifest entries: the lint would check nothing", len(names), len(c.All()))
	}
	for _, name := range names {
		text, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range lintScript(string(text)) {
			t.Errorf("scripts/%s:%d: [%s] %s", name, p.line, p.rule, p.msg)
		}
	}
}

func TestManifestCoversScripts(t *testing.T) {
	raw, err := files.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{m.Bootstrap.File: true}
	if _, err := fs.Stat(files, m.Bootstrap.File); err != nil {
		t.Errorf("manifest bootstrap names %q: %v", m.Bootstrap.File, err)
	}
	for _, s := range m.Scripts {
		listed[s.File] = true
		if _, err := fs.Stat(files, s.File); err != nil {
			t.Errorf("manifest entry %s names %q, which is not embedded: %v", s.Name, s.File, err)
		}
		if path.Ext(s.File) != ".ps1" {
			t.Errorf("manifest entry %s names %q, not a .ps1", s.Name, s.File)
		}
		for _, p := range s.Params {
			if !validType(p.Type) {
				t.Errorf("manifest entry %s parameter %s has type %q; want string, int, bool or string[]", s.Name, p.Name, p.Type)
			}
		}
	}
	for _, name := range embeddedScripts(t) {
		if !listed[name] {
			t.Errorf("scripts/%s has no manifest entry", name)
		}
	}
}

// The self-tests: each rule fires on a bad sample, and comments and strings
// do not trigger it.

const goodHeader = "[CmdletBinding()]\nparam(\n    [string]$Name\n)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n"

func TestLintRules(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // "rule@line", or "" for no problem
	}{
		{"good header", goodHeader, ""},
		{"bootstrap idioms", goodHeader + "[Console]::Out.WriteLine($line)\n$r = ConvertFrom-Json -InputObject $json\n", ""},
		{"Write-Host", goodHeader + "Write-Host $Name\n", "no-write-host@7"},
		{"write-host other case", goodHeader + "WRITE-host 'x'\n", "no-write-host@7"},
		{"module-qualified Write-Host", goodHeader + "Microsoft.PowerShell.Utility\\Write-Host x\n", "no-write-host@7"},
		{"Write-Host after a string on the line", goodHeader + "$x = 'a'; Write-Host $x\n", "no-write-host@7"},
		{"Write-Host after a here-string", goodHeader + "$x = @'\nWrite-Host\n'@\nWrite-Host $x\n", "no-write-host@10"},
		{"Write-Host in line comment", goodHeader + "# Write-Host is banned\n$x = 1 # Write-Host\n", ""},
		{"Write-Host in block comment", goodHeader + "<#\nWrite-Host\n#>\n", ""},
		{"Write-Host in strings", goodHeader + "$a = 'Write-Host'\n$b = \"Write-Host $Name\"\n$c = 'it''s Write-Host'\n$d = \"say `\"Write-Host`\"\"\n", ""},
		{"Write-Host in here-strings", goodHeader + "$a = @'\nWrite-Host\n'@\n$b = @\"\nWrite-Host $x\n\"@\n", ""},
		{"Write-Host in curly quotes", goodHeader + "$a = \u2018Write-Host\u2019\n$b = \u201cWrite-Host\u201d\n", ""},
		{"Write-Host in a subexpression string", goodHeader + "$a = \"x $(Get-Item \"Write-Host\") y\"\n", ""},
		{"Write-Host as a parameter value word", goodHeader + "Get-Command -Name 'Write-Host'\n", ""},
		{"# inside a word is not a comment", goodHeader + "Get-Item a#b; Write-Host x\n", "no-write-host@7"},
		{"Invoke-Expression", goodHeader + "Invoke-Expression $Name\n", "no-invoke-expression@7"},
		{"iex", goodHeader + "$Name | iex\n", "no-invoke-expression@7"},
		{"iex in comment and string", goodHeader + "# iex\n$x = 'iex'\n$iex = 1\n", ""},
		{"no Set-StrictMode", "[CmdletBinding()]\nparam()\n$ErrorActionPreference = 'Stop'\n", "strict-mode@1"},
		{"Set-StrictMode in a comment", "[CmdletBinding()]\nparam()\n# Set-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n", "strict-mode@1"},
		{"Set-StrictMode in a string", "[CmdletBinding()]\nparam()\n$x = 'Set-StrictMode -Version Latest'\n$ErrorActionPreference = 'Stop'\n", "strict-mode@1"},
		{"Set-StrictMode 2.0", "[CmdletBinding()]\nparam()\nSet-StrictMode -Version 2.0\n$ErrorActionPreference = 'Stop'\n", "strict-mode@1"},
		{"Set-StrictMode -Version:'Latest'", "[CmdletBinding()]\nparam()\nSet-StrictMode -Version: 'Latest'\n$ErrorActionPreference = 'Stop'\n", ""},
		{"no ErrorActionPreference", "[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n", "error-action-stop@1"},
		{"ErrorActionPreference Continue", "[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Continue'\n", "error-action-stop@1"},
		{"ErrorActionPreference compared", "[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference -eq 'Stop'\n", "error-action-stop@1"},
		{"ErrorActionPreference enum", "[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = [System.Management.Automation.ActionPreference]::Stop\n", ""},
		{"no CmdletBinding", "param([string]$Name)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n", "cmdletbinding@1"},
		{"no param block", "Set-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n", "cmdletbinding@1"},
		{"CmdletBinding only on a function", "Set-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\nfunction f {\n[CmdletBinding()]\nparam()\n}\n", "cmdletbinding@1"},
		{"CmdletBinding in a comment", "# [CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n", "cmdletbinding@1"},
		{"CmdletBinding after comment-based help", "<#\n.SYNOPSIS\n  x\n#>\n[CmdletBinding(SupportsShouldProcess = $true)]\n[OutputType([string])]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range lintScript(tt.src) {
				got = append(got, fmt.Sprintf("%s@%d", p.rule, p.line))
			}
			if tt.want == "" && len(got) > 0 {
				t.Fatalf("false positive: %v", got)
			}
			if tt.want != "" && !contains(got, tt.want) {
				t.Fatalf("want %s, got %v", tt.want, got)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestTokenizerDropsCommentsAndStrings(t *testing.T) {
	src := "Get-Item 'a b' # c d\n<# e\nf #> \"g $(h \"i\") j\" @'\nk\n'@ l`#m"
	var words []string
	for _, tk := range tokenize(src) {
		if tk.kind == tokWord {
			words = append(words, fmt.Sprintf("%s@%d", tk.text, tk.line))
		}
	}
	want := "Get-Item@1 l#m@5"
	if strings.Join(words, " ") != want {
		t.Fatalf("words = %v, want %s", words, want)
	}
}
