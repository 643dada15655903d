package app

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// oneErrorLine fails unless stderr is exactly one line containing every want.
func oneErrorLine(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Fatalf("want one line on stderr, got %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Fatalf("stderr %q does not contain %q", stderr, w)
		}
	}
}

// `repair auto </dev/null` is unattended: with the real terminal check
// (not "is a character device", which /dev/null is) it refuses at once,
// exit 2, one line, instead of prompting.
func TestDevNullIsNotATerminal(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	flags, _ := simulated(t, "0x80070002")
	for _, args := range [][]string{
		append([]string{"repair", "auto"}, flags...),
		append([]string{"backups", "prune", "--older-than", "1h"}, flags...),
		append([]string{"rollback", "SOME-RUN"}, flags...),
	} {
		t.Run(args[0], func(t *testing.T) {
			env := Env{Stdin: devnull, IsTerminal: func() bool { return isTerminal(devnull) }}
			out, errOut, code := runEnv(t, env, args...)
			if args[0] == "rollback" {
				// rollback checks the run exists first: a usage error too.
				if code != ExitUsage {
					t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
				}
				return
			}
			if code != ExitUsage || strings.Contains(out, "[y/N]") {
				t.Fatalf("exit %d (want 2), stdout %q (must not prompt)", code, out)
			}
			oneErrorLine(t, errOut, "pass --yes", "--dry-run")
		})
	}
}

// prune without --older-than: exit 2, one line, no help dump.
func TestPruneWithoutOlderThan(t *testing.T) {
	out, errOut, code := runApp(t, "backups", "prune")
	if code != ExitUsage || out != "" {
		t.Fatalf("exit %d (want 2), stdout %q (want none: no help dump)", code, out)
	}
	oneErrorLine(t, errOut, "--older-than", "720h", "see `wurepair backups prune --help`")
}

// `wurepair help runs` lists the subcommands; `help runs show` is the
// subcommand's own help.
func TestHelpTopics(t *testing.T) {
	cases := []struct {
		args []string
		want []*regexp.Regexp
	}{
		{[]string{"help", "runs"}, []*regexp.Regexp{regexp.MustCompile(`(?m)^COMMANDS:$`), regexp.MustCompile(`(?m)^\s+list\s+list every run`), regexp.MustCompile(`(?m)^\s+show\s+print one run`)}},
		{[]string{"help", "backups"}, []*regexp.Regexp{regexp.MustCompile(`(?m)^\s+list\s`), regexp.MustCompile(`(?m)^\s+prune\s`)}},
		{[]string{"help", "runs", "show"}, []*regexp.Regexp{regexp.MustCompile(`wurepair runs show \[command options\] RUN-ID`)}},
		{[]string{"help"}, []*regexp.Regexp{regexp.MustCompile(`(?m)^\s+diagnose\s`)}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runApp(t, tc.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, re := range tc.want {
				if !re.MatchString(out) {
					t.Fatalf("help lacks %s:\n%s", re, out)
				}
			}
		})
	}
	if _, errOut, code := runApp(t, "help", "nosuch"); code != ExitUsage || !strings.Contains(errOut, `unknown command "nosuch"`) {
		t.Fatalf("help nosuch: exit %d, %q", code, errOut)
	}
}

// A positional argument a command does not take is refused, named, and
// the message points to that command's help.
func TestExtraArgumentsRefused(t *testing.T) {
	cases := []struct {
		args  []string
		stray string
		cmd   string
	}{
		{[]string{"diagnose", "extra"}, "extra", "wurepair diagnose"},
		{[]string{"detect", "now"}, "now", "wurepair detect"},
		{[]string{"repair", "auto", "extra", "--dry-run"}, "extra", "wurepair repair"},
		{[]string{"runs", "list", "all"}, "all", "wurepair runs list"},
		{[]string{"runs", "show", "A", "B"}, "B", "wurepair runs show"},
		{[]string{"rollback", "A", "B"}, "B", "wurepair rollback"},
		{[]string{"backups", "list", "x"}, "x", "wurepair backups list"},
		{[]string{"scripts", "list", "x"}, "x", "wurepair scripts list"},
		{[]string{"scripts", "show", "Get-WurServiceState", "x"}, "x", "wurepair scripts show"},
		{[]string{"selftest", "x"}, "x", "wurepair selftest"},
		{[]string{"version", "x"}, "x", "wurepair version"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runApp(t, tc.args...)
			if code != ExitUsage || out != "" {
				t.Fatalf("exit %d (want 2), stdout %q", code, out)
			}
			oneErrorLine(t, errOut, tc.cmd+": unexpected argument \""+tc.stray+"\"", "see `"+tc.cmd+" --help`")
		})
	}
}

// Errors in a subcommand point to that subcommand's help.
func TestUsageErrorsPointToTheirCommand(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"runs", "show", "--bogus"}, "wurepair runs show: flag provided but not defined: -bogus (see `wurepair runs show --help`)"},
		{[]string{"runs", "bogus"}, "wurepair runs: unknown command \"bogus\" (see `wurepair runs --help`)"},
		{[]string{"scripts", "show", "Nope"}, "wurepair scripts show: no script named \"Nope\""},
		{[]string{"repair", "nope"}, "(see `wurepair repair --help`)"},
		{[]string{"bogus"}, "wurepair: unknown command \"bogus\" (see `wurepair --help`)"},
		{[]string{"diagnose", "--output", "yaml"}, "(see `wurepair diagnose --help`)"},
		{[]string{"runs", "show", "NOPE"}, "wurepair runs show: \"NOPE\" is not a run id (see `wurepair runs list`)"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := runApp(t, tc.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2: %q", code, errOut)
			}
			oneErrorLine(t, errOut, tc.want)
			if n := strings.Count(errOut, "(see `"); n != 1 {
				t.Fatalf("%d pointers to help, want one: %q", n, errOut)
			}
		})
	}
}

// --powershell ./fakehost is the file in the working directory, never a
// PATH search (filepath.Clean would make it "fakehost").
func TestRelativePowerShellPath(t *testing.T) {
	_, stateDir := simulated(t, "healthy")
	t.Chdir(filepath.Dir(fakehostExe))
	t.Setenv("PATH", t.TempDir()) // nothing to find there
	out, errOut, code := runApp(t, "diagnose", "--powershell", "./"+filepath.Base(fakehostExe), "--state-dir", stateDir)
	if code != ExitOK || !strings.Contains(out, "no problems found") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A relative path that is not there is named absolute, and the
	// sentinel's text appears once.
	_, errOut, code = runApp(t, "diagnose", "--powershell", "./missing/powershell", "--state-dir", stateDir)
	abs := filepath.Join(filepath.Dir(fakehostExe), "missing", "powershell")
	if code != ExitHost || strings.Count(errOut, "powershell executable not found") != 1 || !strings.Contains(errOut, abs) {
		t.Fatalf("exit %d (want 4), stderr %q (want %s named, the sentinel once)", code, errOut, abs)
	}
	oneErrorLine(t, errOut)
}

// repeatedPrefix finds "X: X:" (a script name or sentinel said twice).
func repeatedPrefix(s string) string {
	for _, line := range strings.Split(s, "\n") {
		parts := strings.Split(line, ": ")
		for i := 1; i < len(parts); i++ {
			prev, cur := parts[i-1], parts[i]
			if len(cur) < 4 || !strings.HasSuffix(prev, cur) {
				continue
			}
			if rest := strings.TrimSuffix(prev, cur); rest == "" || strings.ContainsAny(rest[len(rest)-1:], " \"=") {
				return cur + ": " + cur
			}
		}
	}
	return ""
}

func TestRepeatedPrefixFinds(t *testing.T) {
	for _, s := range []string{`msg="Restore-WurFolder: Restore-WurFolder: The backup`, "wurepair: powershell executable not found: powershell executable not found: x"} {
		if repeatedPrefix(s) == "" {
			t.Errorf("not found in %q", s)
		}
	}
	if m := repeatedPrefix("wurepair: step failed: Backup-WurFolder: failed: x"); m != "" {
		t.Errorf("false positive %q", m)
	}
}

// A rollback that succeeds logs no warning for what it expected (the
// backup of a rename that never happened does not exist), and no
// message repeats its prefix.
func TestRollbackLogsNoExpectedWarning(t *testing.T) {
	flags, stateDir := simulated(t, "disk-full")
	out, errOut, code := runApp(t, append([]string{"repair", "datastore", "--yes"}, flags...)...)
	if code != ExitFailure || !strings.Contains(out, "every change was rolled back") {
		t.Fatalf("exit %d (want 1)\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "level=warning") || strings.Contains(errOut, "does not exist") {
		t.Fatalf("a successful rollback logged a warning:\n%s", errOut)
	}
	logFile, err := os.ReadFile(defaultLogPath(stateDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(logFile), "\n") {
		if strings.Contains(line, `type="2"`) {
			t.Fatalf("warning in the log file: %s", line)
		}
	}
	// --verbose shows the expected script failure as debug detail, once prefixed.
	flags, _ = simulated(t, "disk-full")
	out, errOut, _ = runApp(t, append([]string{"repair", "datastore", "--yes", "--verbose"}, flags...)...)
	if !strings.Contains(errOut, "Restore-WurFolder: The backup") {
		t.Fatalf("--verbose lacks the Restore-WurFolder detail:\n%s", errOut)
	}
	if m := repeatedPrefix(out + errOut); m != "" {
		t.Fatalf("repeated prefix %q in:\n%s\n%s", m, out, errOut)
	}
}

// A failure whose cause ends in a newline (a host's stderr tail) is
// still one line: FAILED ... every change was rolled back.
func TestFailureMessageIsOneLine(t *testing.T) {
	flags, stateDir := simulated(t, "crash-midplan")
	out, errOut, code := runApp(t, append([]string{"repair", "datastore", "--yes"}, flags...)...)
	if code != ExitFailure {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	failed := regexp.MustCompile(`(?m)^FAILED: .*PowerShell exited \(code 3\).*; every change was rolled back$`)
	if !failed.MatchString(out) {
		t.Fatalf("the failure is not one line:\n%s", out)
	}
	// The journal as `runs show` prints it: one line per record.
	id := regexp.MustCompile(`(?m)^run (\S+) \(journal`).FindStringSubmatch(out)[1]
	out, _, _ = runApp(t, "runs", "show", id, "--state-dir", stateDir)
	record := regexp.MustCompile(`^run |^ *\d+ \d\d:\d\d:\d\d\.\d{3} |^journal hash chain verified$`)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !record.MatchString(line) {
			t.Fatalf("runs show: a record broken across lines at %q:\n%s", line, out)
		}
	}
	// The CMTrace log: one record per line.
	logFile, err := os.ReadFile(defaultLogPath(stateDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(logFile), "\r\n"), "\n") {
		if !strings.HasPrefix(line, "<![LOG[") || !strings.HasSuffix(line, `file="">`+"\r") && !strings.HasSuffix(line, `file="">`) {
			t.Fatalf("log record broken across lines at %q", line)
		}
	}
}

// runs show names an unknown user as unknown, never "by  on".
func TestRunsShowUnknownUser(t *testing.T) {
	flags, stateDir := simulated(t, "kb943144")
	out, errOut, code := runApp(t, append([]string{"repair", "--yes"}, flags...)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	id := regexp.MustCompile(`(?m)^run (\S+) \(journal`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no run id in:\n%s", out)
	}
	out, errOut, code = runApp(t, "runs", "show", id[1], "--state-dir", stateDir)
	if code != ExitOK || strings.Contains(out, "by  on") || !strings.Contains(out, "by (unknown user) on ") {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}

// The default state directory off Windows is documented where a user
// looks: the top-level help and every command's --state-dir.
func TestLinuxStateDirDocumented(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"diagnose", "--help"}, {"repair", "--help"}} {
		out, _, _ := runApp(t, args...)
		if !strings.Contains(out, "/var/lib/wurepair") {
			t.Fatalf("%v does not name /var/lib/wurepair:\n%s", args, out)
		}
	}
}
