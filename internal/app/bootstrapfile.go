package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// Bootstrap delivery (README "Bootstrap delivery"): "command" sends
// bootstrap.ps1 as one base64 line that PowerShell turns into a script
// block (-Command -); "file" writes it to <state dir>\bootstrap, a folder
// only SYSTEM and Administrators can write, and runs it with -File.
const (
	deliveryCommand = "command"
	deliveryFile    = "file"
)

func deliveryFlag() cli.Flag {
	return &cli.StringFlag{Name: "bootstrap-delivery", Value: deliveryCommand,
		Usage: "how the session script reaches PowerShell: command (a base64 line on stdin) or file (a .ps1 in the state directory, run with -File: for AppLocker/WDAC rules and endpoint protection)"}
}

// bootstrapFile writes the bootstrap into the trusted state directory
// (created if needed) and returns its path. The file is named after its
// SHA-256, so a file already there with the right content is reused and
// a run never rewrites one another run may be starting from.
func (d *deps) bootstrapFile(c *cli.Context, text string) (string, error) {
	dir, err := d.stateDir(c)
	if err != nil {
		return "", err
	}
	sd, err := orchestrator.OpenStateDir(dir, true)
	if err != nil {
		return "", untrustedState(err)
	}
	if _, err := sd.MkdirAll("bootstrap"); err != nil {
		return "", untrustedState(err)
	}
	sum := sha256.Sum256([]byte(text))
	name := "wurepair-bootstrap-" + hex.EncodeToString(sum[:8]) + ".ps1"
	f, err := sd.OpenFile(os.O_RDWR|os.O_CREATE, 0o644, "bootstrap", name)
	if err != nil {
		return "", untrustedState(err)
	}
	defer f.Close()
	have, err := io.ReadAll(io.LimitReader(f, int64(len(text))+1))
	if err != nil {
		return "", fmt.Errorf("bootstrap file: %w", err)
	}
	if !bytes.Equal(have, []byte(text)) {
		if err := f.Truncate(0); err != nil {
			return "", fmt.Errorf("bootstrap file: %w", err)
		}
		if _, err := f.WriteAt([]byte(text), 0); err != nil {
			return "", fmt.Errorf("bootstrap file: %w", err)
		}
		if err := f.Sync(); err != nil {
			return "", fmt.Errorf("bootstrap file: %w", err)
		}
	}
	return f.Name(), nil
}
