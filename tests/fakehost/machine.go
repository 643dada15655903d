package fakehost

import (
	"encoding/json"
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
	State     MachineState
}

// MachineState is the whole simulated machine, in a form tests compare.
type MachineState struct {
	Extra map[string]json.RawMessage `json:"-"`
}

// OpenMachine loads the state file if it exists, else the scenario's machine.
func OpenMachine(scenarioPath, statePath string) (*Machine, error) {
	m := &Machine{statePath: statePath}
	src := scenarioPath
	if statePath != "" {
		if _, err := os.Stat(statePath); err == nil {
			src = statePath
		}
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("machine: %w", err)
	}
	var wrap struct {
		Machine *MachineState `json:"machine"`
	}
	if err := json.Unmarshal(raw, &wrap); err != nil {
		return nil, fmt.Errorf("machine %s: %w", src, err)
	}
	if wrap.Machine != nil {
		m.State = *wrap.Machine
	}
	return m, nil
}

// Save writes the state atomically (write, fsync, rename).
func (m *Machine) Save() error {
	if m.statePath == "" {
		return nil
	}
	raw, err := json.MarshalIndent(struct {
		Machine MachineState `json:"machine"`
	}{m.State}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.statePath), ".state-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), m.statePath)
}
