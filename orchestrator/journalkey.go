package orchestrator

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// KeyName is the file in the state directory holding the journal key: 32
// random bytes, made on first use, readable by SYSTEM and Administrators
// only (Unix: 0600). A journal is evidence only if its records carry MACs
// made with this key: anyone else can write JSON, not this.
const KeyName = "journal.key"

const keyLen = 32

// ErrNoKey: the state directory holds no journal key yet, so no journal in
// it can be verified.
var ErrNoKey = errors.New("no journal key in the state directory")

// JournalKey reads the journal key; with create, it makes it when there is
// none yet.
func (sd *StateDir) JournalKey(create bool) ([]byte, error) {
	if create {
		f, err := sd.OpenFile(os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600, KeyName)
		switch {
		case err == nil:
			key := make([]byte, keyLen)
			if _, err := rand.Read(key); err != nil {
				f.Close()
				return nil, err
			}
			_, err = f.Write(key)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("journal key: %w", err)
			}
			return key, nil
		case !errors.Is(err, fs.ErrExist):
			return nil, fmt.Errorf("journal key: %w", err)
		}
	}
	f, err := sd.OpenFile(os.O_RDONLY, 0, KeyName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoKey
	}
	if err != nil {
		return nil, fmt.Errorf("journal key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("journal key: %w", err)
	}
	if err := checkOwnerAndACL(f.Name(), fi, true); err != nil {
		return nil, err
	}
	if fi.Size() != keyLen {
		return nil, untrusted(f.Name(), "it holds %d bytes, not a %d-byte key", fi.Size(), keyLen)
	}
	key := make([]byte, keyLen)
	if _, err := io.ReadFull(f, key); err != nil {
		return nil, fmt.Errorf("journal key: %w", err)
	}
	return key, nil
}
