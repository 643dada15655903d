package fakehost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Machine is the simulated Windows machine. It starts from the scenario's
// "machine" section and, when a state path is given, persists there after
// every change, so that the machine outlives one host process (wurepair
// killed mid-plan, then `wurepair rollback`, sees what was left).
type Machine struct {
	statePath string
	profile   HostProfile
	// State is the machine itself.
	State MachineState
	// ScriptCalls counts, across host processes, the calls of the script
	// that Faults.CrashOnScript names (the only script counted, so that
	// probes never change the state file).
	ScriptCalls map[string]int
}

// stateFile is what the state path holds.
type stateFile struct {
	Machine     MachineState   `json:"machine"`
	ScriptCalls map[string]int `json:"scriptCalls,omitempty"`
}

// OpenMachine loads the scenario, then the state file if it exists, else
// the scenario's machine. It writes nothing: a host that changes nothing
// leaves no state file.
func OpenMachine(scenarioPath, statePath string) (*Machine, error) {
	sc, err := LoadScenario(scenarioPath)
	if err != nil {
		return nil, err
	}
	return newMachine(sc, statePath)
}

func newMachine(sc *Scenario, statePath string) (*Machine, error) {
	m := &Machine{statePath: statePath, profile: sc.Host, ScriptCalls: map[string]int{}}
	raw, err := os.ReadFile(statePath)
	switch {
	case statePath == "" || errors.Is(err, os.ErrNotExist):
		st := MachineState{}
		if sc.Machine != nil {
			st = sc.Machine.Clone()
		}
		if err := st.normalize(sc.Host); err != nil {
			return nil, fmt.Errorf("scenario %s: machine: %w", sc.Name, err)
		}
		m.State = st
		return m, nil
	case err != nil:
		return nil, fmt.Errorf("machine state: %w", err)
	}
	var f stateFile
	if err := decodeStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("machine state %s: %w", statePath, err)
	}
	if err := f.Machine.normalize(sc.Host); err != nil {
		return nil, fmt.Errorf("machine state %s: %w", statePath, err)
	}
	m.State = f.Machine
	for k, v := range f.ScriptCalls {
		m.ScriptCalls[k] = v
	}
	return m, nil
}

// Bytes is the state file's content for the machine as it is now: equal
// machines give identical bytes.
func (m *Machine) Bytes() ([]byte, error) {
	calls := m.ScriptCalls
	if len(calls) == 0 {
		calls = nil
	}
	return encodeJSON(stateFile{Machine: m.State, ScriptCalls: calls})
}

// Save writes the state atomically (write, fsync, rename). Without a state
// path it does nothing.
func (m *Machine) Save() error {
	if m.statePath == "" {
		return nil
	}
	raw, err := m.Bytes()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.statePath), ".state-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), m.statePath)
}

// countCall records a call of script when the crash knob names it, and
// says whether this call is the one that crashes the host.
func (m *Machine) countCall(script string) (crash, beforeRun bool, err error) {
	k := m.State.Faults.CrashOnScript
	if k == nil || k.Script != script {
		return false, false, nil
	}
	m.ScriptCalls[script]++
	if err := m.Save(); err != nil { // the count must survive the crash
		return false, false, err
	}
	return m.ScriptCalls[script] == k.Call, k.BeforeRun, nil
}

// decodeStrict decodes one JSON value, rejecting unknown fields and
// trailing data.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
