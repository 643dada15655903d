package orchestrator

import (
	"context"
	"fmt"
)

// The reset plan never stops AppIDSvc (Application Identity). AppLocker
// relies on it to enforce its rules (Microsoft Learn, "Configure the
// Application Identity service":
// https://learn.microsoft.com/en-us/windows/security/application-security/application-control/app-control-for-business/applocker/configure-the-application-identity-service;
// the service's own description: "Disabling this service will prevent
// AppLocker from being enforced").
// The classic reset scripts stop it, which switches application control
// off for the whole reset window, on a machine wurepair runs on as SYSTEM.
//
// AppIDSvc depends on CryptSvc, so CryptSvc cannot be stopped while
// AppIDSvc runs without stopping it too (Stop-WurService stops running
// dependents first). So: where AppIDSvc runs (AppLocker is in use), the
// reset leaves CryptSvc running and catroot2 in place, and says so (the
// dry run prints it, the journal notes it); catroot2 can be reset by hand
// in a maintenance window. Where it does not run, CryptSvc is stopped and
// catroot2 reset as before, and appLockerGuard checks again right before
// the CryptSvc stop: an AppIDSvc started since the plan was made (it is
// trigger-started) fails the step, and the run rolls back, rather than
// stop it. (A start in the milliseconds between that check and the stop
// is not covered.)
const appIDSvc = "AppIDSvc"

// appIDRunning: the facts say AppIDSvc exists and is not stopped.
func appIDRunning(f *Facts) bool {
	svc := f.Service(appIDSvc)
	return svc != nil && svc.Exists && svc.Status != "Stopped"
}

// appLockerGuard fails when AppIDSvc runs now: the next stop (CryptSvc)
// would take it down.
type appLockerGuard struct{}

func (appLockerGuard) Name() string { return "check AppIDSvc (AppLocker) is not running" }

func (appLockerGuard) Describe(*Facts) []string {
	return []string{"AppIDSvc is not running: CryptSvc may be stopped without switching AppLocker off (checked again right before)"}
}

func (appLockerGuard) Run(ctx context.Context, r *Run) error {
	svc, err := r.serviceNow(ctx, appIDSvc)
	if err != nil {
		return err
	}
	if svc.Exists && svc.Status != "Stopped" {
		return fmt.Errorf("AppIDSvc (AppLocker) is %s now: stopping CryptSvc would stop it and switch AppLocker off; "+
			"nothing more is changed and the run is rolled back: run the reset again (it then leaves CryptSvc and catroot2 alone)", svc.Status)
	}
	return nil
}

// noteStep journals why a plan leaves something alone, and says so in
// the dry run.
type noteStep struct{ name, text string }

func (s noteStep) Name() string                        { return s.name }
func (s noteStep) Describe(*Facts) []string            { return []string{s.text} }
func (s noteStep) Run(_ context.Context, r *Run) error { return r.note(s.text) }

// resetStopsAndFolders are the services the reset stops, in order (with
// appLockerGuard before CryptSvc), and the folders it renames: never
// AppIDSvc; without CryptSvc and catroot2 where AppIDSvc runs.
func resetStopsAndFolders(f *Facts) (stops []Step, names, folders []string) {
	if appIDRunning(f) {
		names = []string{"UsoSvc", "BITS", "wuauserv", "DoSvc"}
		return []Step{
			noteStep{name: "leave AppIDSvc, CryptSvc and catroot2 alone", text: "AppIDSvc (AppLocker) is running: the reset does not stop it " +
				"(AppLocker would stop enforcing its rules) nor CryptSvc (AppIDSvc depends on it), so catroot2 is not reset; reset it by hand in a maintenance window if needed"},
			stopServices{names: names},
		}, names, []string{"SoftwareDistribution", "Downloader"}
	}
	names = []string{"UsoSvc", "BITS", "wuauserv", "CryptSvc", "DoSvc"}
	return []Step{stopServices{names: names[:3]}, appLockerGuard{}, stopServices{names: names[3:]}}, names, resetFolders
}
