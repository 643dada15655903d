package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/orchestrator"
)

func TestExplainGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"explain", []string{"explain", "0x8024402C", "-2147024894", "wu_e_pt_winhttp_name_not_resolved", "0x800F0954", "0x80072F8F", "0x8024A105", "0x00240006"}},
		{"explain-install-json", []string{"explain", "--phase", "install", "0x80070002", "0x800F0954", "--source", `E:\mount\Windows`, "-o", "json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runApp(t, tc.args...)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			checkGolden(t, tc.name, out)
		})
	}
}

// Every code of the reference (every SDK code included) explains, with
// the decision diagnosis makes: hex, negative decimal and symbol agree.
func TestExplainEveryCode(t *testing.T) {
	for _, c := range orchestrator.Codes() {
		args := []string{"explain", "-o", "json", orchestrator.FormatHResult(c.HResult), "--", "0"}
		args = args[:4]
		if c.Symbol != "" {
			args = append(args, c.Symbol)
		}
		out, errOut, code := runApp(t, args...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d, %s", orchestrator.FormatHResult(c.HResult), code, errOut)
		}
		var got []Explanation
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			if !e.Known || e.Code != orchestrator.FormatHResult(c.HResult) || e.Symbol != c.Symbol || e.Class != string(c.Class) || e.Why == "" {
				t.Errorf("%s %s: %+v", orchestrator.FormatHResult(c.HResult), c.Symbol, e)
			}
			if want := c.Class.Plan(false); e.Plan != want {
				t.Errorf("%s: plan %q, want %q", e.Code, e.Plan, want)
			}
		}
	}
}

func TestExplainInput(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string // in stdout (ok) or stderr (usage)
	}{
		{[]string{"explain", "-2145107924"}, ExitOK, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED"},
		{[]string{"explain", "2149859372"}, ExitOK, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED"},
		{[]string{"explain", "0xDEADBEEF"}, ExitOK, "unknown: not in wurepair's reference"},
		{[]string{"explain", "0x00001234"}, ExitOK, "not-an-error"},
		{[]string{"explain", "--phase", "download", "0x80070002"}, ExitOK, "wurepair repair datastore"},
		{[]string{"explain", "--phase", "install", "0x80070002"}, ExitOK, "wurepair repair components"},
		{[]string{"explain", "0x800F0906"}, ExitOK, "plan:    none"},
		{[]string{"explain", "--source", `E:\mount\Windows`, "0x800F0906"}, ExitOK, "wurepair repair components"},
		{[]string{"explain", "0x80040154"}, ExitOK, "wurepair repair reset"},
		{[]string{"explain"}, ExitUsage, "at least one CODE"},
		{[]string{"explain", "12abc"}, ExitUsage, `"12abc"`},
		{[]string{"explain", "0x8024402C", "0x1FFFFFFFF"}, ExitUsage, "0x1FFFFFFFF"},
		{[]string{"explain", "WU_E_NOPE"}, ExitUsage, `"WU_E_NOPE" is neither a number nor a symbol`},
		{[]string{"explain", "--phase", "later", "0x1"}, ExitUsage, "--phase"},
		{[]string{"explain", "-o", "yaml", "0x1"}, ExitUsage, "--output"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runApp(t, tc.args...)
			got := out
			if tc.code != ExitOK {
				got = errOut
				if out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
					t.Errorf("a usage error is one line on stderr and nothing on stdout: %q / %q", out, errOut)
				}
			}
			if code != tc.code || !strings.Contains(got, tc.want) {
				t.Fatalf("exit %d (want %d), output %q (want %q)", code, tc.code, got, tc.want)
			}
		})
	}
}
