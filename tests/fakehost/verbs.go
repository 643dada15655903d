package fakehost

import (
	"strings"
	"unicode/utf16"
)

// verbs maps each embedded script name to its simulation.
var verbs = map[string]Verb{
	"Test-WurEcho": echo,
}

func echo(c *Call) {
	text := c.Str("Text")
	if n := c.Host.sc.Faults.HugeOutputBytes; n > 0 {
		text = strings.Repeat("x", n)
	}
	items := c.Strs("Items")
	if c.Host.sc.Faults.French {
		c.Warn("L'opération « écho » s'est terminée ; aucune donnée n'a été modifiée.")
	}
	c.Out(map[string]any{
		"Text":   text,
		"Length": len(utf16.Encode([]rune(text))),
		"Items":  items,
	})
}
