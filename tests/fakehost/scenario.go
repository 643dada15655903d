package fakehost

import (
	"fmt"
	"os"
)

// Environment variables the fake host reads. wurepair passes its own
// environment to the host, so tests set these around the real binary.
const (
	EnvScenario = "WUREPAIR_FAKEHOST_SCENARIO" // path to a scenario JSON file (required)
	EnvState    = "WUREPAIR_FAKEHOST_STATE"    // path where the simulated machine persists between hosts (optional)
)

// Scenario describes one simulated Windows machine and the faults its
// PowerShell host shows.
type Scenario struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"` // what is special about this machine
	Host        HostProfile `json:"host"`
	Faults      Faults      `json:"faults"`
	// Machine is the simulated machine (nil: an empty one, enough for the
	// protocol tests).
	Machine *MachineState `json:"machine,omitempty"`
}

// HostProfile is what the READY line reports.
type HostProfile struct {
	PSVersion        string `json:"psVersion"`
	PSEdition        string `json:"psEdition"`
	LanguageMode     string `json:"languageMode"`
	Is64BitProcess   bool   `json:"is64BitProcess"`
	Is64BitOS        bool   `json:"is64BitOS"`
	IsAdmin          bool   `json:"isAdmin"`
	OSVersion        string `json:"osVersion"`
	OSBuild          int    `json:"osBuild"`
	OSUBR            int    `json:"osUbr"`
	InstallationType string `json:"installationType"`
	Culture          string `json:"culture"`
	UICulture        string `json:"uiCulture"`
	// WDAC/AppLocker lockdown and Group Policy execution policies. Empty
	// (the default, left out of scenario files) reports what Windows
	// reports without either: None, Undefined, Undefined (see facts).
	LockdownPolicy         string `json:"lockdownPolicy,omitempty"`
	ExecutionPolicyMachine string `json:"executionPolicyMachine,omitempty"`
	ExecutionPolicyUser    string `json:"executionPolicyUser,omitempty"`
}

// Faults select misbehaviour. Request numbers count from 1 per host process.
type Faults struct {
	ExitAtStart      *int   `json:"exitAtStart,omitempty"`      // exit with this code before reading anything
	SlowStartMs      int    `json:"slowStartMs,omitempty"`      // delay before answering the MODE probe
	HangForever      bool   `json:"hangForever,omitempty"`      // read input, never answer anything
	HangOnRequest    int    `json:"hangOnRequest,omitempty"`    // never answer request N
	CrashOnRequest   int    `json:"crashOnRequest,omitempty"`   // write half of reply N, then exit 3
	Garbage          bool   `json:"garbage,omitempty"`          // print junk lines (some frame-like) before each reply
	StderrFloodBytes int    `json:"stderrFloodBytes,omitempty"` // write this much to stderr before each reply
	HugeOutputBytes  int    `json:"hugeOutputBytes,omitempty"`  // Test-WurEcho returns a Text of this many bytes
	CRLF             bool   `json:"crlf,omitempty"`             // end output lines with CRLF (Windows PowerShell) rather than LF (pwsh)
	French           bool   `json:"french,omitempty"`           // fr-FR host: French warnings, OEM-code-page noise
	WrongID          bool   `json:"wrongId,omitempty"`          // answer with another request's id
	PromptNoise      bool   `json:"promptNoise,omitempty"`      // write a prompt with no newline before each reply
	ExitOnRequest    int    `json:"exitOnRequest,omitempty"`    // exit 1 on reading request N, before answering
	StderrAtStart    string `json:"stderrAtStart,omitempty"`    // text written to stderr at start
	ModeOverride     string `json:"-"`
}

// DefaultHost is a 64-bit Windows 10 22H2 with Windows PowerShell 5.1, elevated.
func DefaultHost() HostProfile {
	return HostProfile{
		PSVersion: "5.1.19041.5247", PSEdition: "Desktop", LanguageMode: "FullLanguage",
		Is64BitProcess: true, Is64BitOS: true, IsAdmin: true,
		OSVersion: "10.0.19045.0", OSBuild: 19045, OSUBR: 5247, InstallationType: "Client",
		Culture: "en-US", UICulture: "en-US",
	}
}

// LoadScenario reads a scenario file strictly (unknown fields are errors);
// missing host fields take DefaultHost's. The machine is checked and put
// in canonical form.
func LoadScenario(path string) (*Scenario, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	sc, err := ParseScenario(raw)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario is LoadScenario for bytes.
func ParseScenario(raw []byte) (*Scenario, error) {
	sc := &Scenario{Host: DefaultHost()}
	if err := decodeStrict(raw, sc); err != nil {
		return nil, err
	}
	if sc.Machine == nil {
		sc.Machine = &MachineState{}
	}
	if err := sc.Machine.normalize(sc.Host); err != nil {
		return nil, fmt.Errorf("machine: %w", err)
	}
	return sc, nil
}
