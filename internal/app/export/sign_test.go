package export

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"testing"
)

// minimalPE is a PE32+ file with no sections whose security directory has
// size certSize (0: unsigned).
func minimalPE(t *testing.T, certSize uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	dos := make([]byte, 0x40)
	dos[0], dos[1] = 'M', 'Z'
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	oh := pe.OptionalHeader64{Magic: 0x20b, NumberOfRvaAndSizes: 16}
	oh.DataDirectory[4] = pe.DataDirectory{VirtualAddress: 0x200, Size: certSize}
	fh := pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_AMD64, SizeOfOptionalHeader: uint16(binary.Size(oh))}
	if err := binary.Write(&b, binary.LittleEndian, fh); err != nil {
		t.Fatal(err)
	}
	if err := binary.Write(&b, binary.LittleEndian, oh); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestExeSigned(t *testing.T) {
	for _, tc := range []struct {
		exe    []byte
		signed bool
		err    bool
	}{
		{minimalPE(t, 0), false, false},
		{minimalPE(t, 0x500), true, false},
		{[]byte("MZ not a PE"), false, true},
	} {
		got, err := ExeSigned(tc.exe)
		if got != tc.signed || (err != nil) != tc.err {
			t.Errorf("ExeSigned: %v, %v; want %v, error %v", got, err, tc.signed, tc.err)
		}
	}
	for v, dev := range map[string]bool{"dev": true, "1.2.0": false, "1.2.0-dev": true, "1.2.0+dirty": true, "test": false} {
		if DevVersion(v) != dev {
			t.Errorf("DevVersion(%q) != %v", v, dev)
		}
	}
}
