package app

import (
	"fmt"
	"unicode/utf16"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/ps"
)

// selftestStrings are sent through the session and must come back
// byte-exact: quoting, code pages and line endings all break here first.
var selftestStrings = []string{
	"plain ASCII",
	`it's 'quoted'`,
	`"double" quotes`,
	"\u2018curly\u2019 \u201asingle\u201b \u201cdouble\u201d",
	"$(Get-Date) `backtick` ; & | > <",
	"line one\nline two\r\nline three",
	"nul\x00inside",
	"Mise à jour échouée : « wuauserv »",
	"Update fehlgeschlagen: Größe überschritten",
	"更新失败 🙂",
}

func (d *deps) cmdSelftest() *cli.Command {
	return &cli.Command{
		Name:  "selftest",
		Usage: "start the PowerShell session and prove it round-trips awkward text byte-exact (changes nothing)",
		Flags: append(sessionFlags(), logFlags()...),
		Action: func(c *cli.Context) error {
			log, closeLog, err := d.newLogger(c)
			if err != nil {
				return err
			}
			defer closeLog()
			s, exe, err := d.openSession(c.Context, c)
			if err != nil {
				return err
			}
			defer s.Close()
			f := s.Facts()
			out := d.env.Stdout
			fmt.Fprintf(out, "PowerShell: %s\n", exe)
			fmt.Fprintf(out, "host: PowerShell %s %s, %s, 64-bit process: %v, 64-bit OS: %v, admin: %v, OS %s build %d.%d (%s), culture %s\n",
				f.PSVersion, f.PSEdition, f.LanguageMode, f.Is64BitProcess, f.Is64BitOS, f.IsAdmin, f.OSVersion, f.OSBuild, f.OSUBR, f.InstallationType, f.Culture)
			echo, _ := d.catalog.Get("Test-WurEcho")
			passed := 0
			for _, text := range selftestStrings {
				res, err := s.Invoke(c.Context, ps.Request{Name: echo.Name, Script: echo.Text, Params: map[string]any{"Text": text, "Items": []string{text}}})
				if err == nil {
					err = res.Err()
				}
				var got struct {
					Text   string   `json:"Text"`
					Length int      `json:"Length"`
					Items  []string `json:"Items"`
				}
				if err == nil {
					err = res.Decode(&got)
				}
				if err == nil && (got.Text != text || got.Length != len(utf16.Encode([]rune(text))) || len(got.Items) != 1 || got.Items[0] != text) {
					err = fmt.Errorf("sent %q, got back %q (length %d)", text, got.Text, got.Length)
				}
				if err != nil {
					log.WithField("step", "selftest").Errorf("round trip failed: %v", err)
					continue
				}
				passed++
			}
			fmt.Fprintf(out, "round trip: %d/%d strings byte-exact\n", passed, len(selftestStrings))
			if passed != len(selftestStrings) {
				return exitWith(ExitFailure, fmt.Errorf("selftest failed: %d of %d round trips differ", len(selftestStrings)-passed, len(selftestStrings)))
			}
			fmt.Fprintln(out, "selftest: ok")
			return nil
		},
	}
}
