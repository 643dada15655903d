package scripts

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// resultTypes binds every script to the Go type its result decodes into.
var resultTypes = map[string]any{
	"Test-WurEcho":                EchoResult{},
	"Get-WurServiceState":         ServiceStateResult{},
	"Stop-WurService":             StopServiceResult{},
	"Start-WurService":            StartServiceResult{},
	"Set-WurServiceStartType":     SetStartTypeResult{},
	"Get-WurWups2Registration":    Wups2Result{},
	"Get-WurDllPresence":          DllPresenceResult{},
	"Get-WurFileHolders":          FileHoldersResult{},
	"Get-WurSoftwareDistribution": SoftwareDistributionResult{},
	"Get-WurUpdateErrors":         UpdateErrorsResult{},
	"Get-WurPendingReboot":        PendingRebootResult{},
	"Test-WurUpdateAgent":         AgentProbeResult{},
	"Get-WurComponentHealth":      ComponentHealthResult{},
	"Repair-WurComponentStore":    ComponentHealthResult{},
	"Get-WurUpdateHistory":        UpdateHistoryResult{},
	"Backup-WurFolder":            BackupFolderResult{},
	"Restore-WurFolder":           RestoreFolderResult{},
	"Remove-WurBackup":            RemoveBackupResult{},
	"Register-WurDll":             RegisterDllResult{},
}

// The manifest's result fields and the Go type's JSON keys are the same set,
// with compatible types: the contract lives in one place and is checked.
func TestManifestResultsMatchGoTypes(t *testing.T) {
	c := MustLoad()
	for _, s := range c.All() {
		typ, ok := resultTypes[s.Name]
		if !ok {
			t.Errorf("%s: no Go result type bound in resultTypes", s.Name)
			continue
		}
		rt := reflect.TypeOf(typ)
		var goKeys, manKeys []string
		kinds := map[string]reflect.Type{}
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			goKeys = append(goKeys, name)
			kinds[name] = f.Type
		}
		for _, f := range s.Result {
			manKeys = append(manKeys, f.Name)
			if k, ok := kinds[f.Name]; ok && !compatible(f.Type, k) {
				t.Errorf("%s.%s: manifest says %s, Go has %s", s.Name, f.Name, f.Type, k)
			}
		}
		sort.Strings(goKeys)
		sort.Strings(manKeys)
		if !reflect.DeepEqual(goKeys, manKeys) {
			t.Errorf("%s: manifest result %v != Go %s %v", s.Name, manKeys, rt.Name(), goKeys)
		}
	}
	for name := range resultTypes {
		if _, ok := c.Get(name); !ok {
			t.Errorf("resultTypes names %s, which is not in the manifest", name)
		}
	}
}

func compatible(manifest string, t reflect.Type) bool {
	switch manifest {
	case "string":
		return t.Kind() == reflect.String
	case "bool":
		return t.Kind() == reflect.Bool
	case "int":
		return t.Kind() == reflect.Int
	case "int64":
		return t.Kind() == reflect.Int64
	case "string[]":
		return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String
	case "object[]":
		return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct
	}
	return false
}
