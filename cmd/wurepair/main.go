// Command wurepair diagnoses and repairs Windows Update. Everything lives in
// internal/app; main only wires the process to it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wurepair/wurepair/internal/app"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args, app.OSEnv(version))
	stop()
	os.Exit(code)
}
