package app

import (
	"encoding/json"
	"io"

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
