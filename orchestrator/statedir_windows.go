//go:build windows

package orchestrator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows %ProgramData% lets every user create folders and files, so
// the state directory is created with a protected DACL: SYSTEM and
// Administrators full control, nothing inherited from %ProgramData%.
// Everything below it inherits that. Its owner is Administrators (set
// explicitly: on Windows 10/11 an elevated admin's objects are otherwise
// owned by that user). An existing one is used only if its owner is
// SYSTEM or Administrators and no other account may write it.
const stateDirSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

const stateDirOwner = "O:BA"

func mkdirPrivate(path string) error {
	sd, err := windows.SecurityDescriptorFromString(stateDirOwner + stateDirSDDL)
	if err != nil {
		return fmt.Errorf("security descriptor: %w", err)
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	return nil
}

// errReparse: the opened file is a reparse point (symbolic link, junction,
// mount point): it was opened, not followed, and is refused.
var errReparse = errors.New("is a reparse point")

// openNoFollow opens path with FILE_FLAG_OPEN_REPARSE_POINT, so a link is
// opened itself instead of its target, and refuses it if it is one, or if
// the file has more than one name (a hard link to a file elsewhere).
func openNoFollow(path string, flag int, _ os.FileMode) (*os.File, error) {
	var access uint32 = windows.GENERIC_READ
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_WRONLY:
		access = windows.GENERIC_WRITE
	case os.O_RDWR:
		access = windows.GENERIC_READ | windows.GENERIC_WRITE
	}
	if flag&os.O_APPEND != 0 {
		// As Go's syscall.Open: append-only access makes every write go
		// to the end (the log file). FILE_READ_ATTRIBUTES: Stat on the
		// handle; SYNCHRONIZE: synchronous I/O.
		access = access&^windows.GENERIC_WRITE | windows.FILE_APPEND_DATA | windows.FILE_READ_ATTRIBUTES | windows.SYNCHRONIZE
	}
	var disposition uint32 = windows.OPEN_EXISTING
	switch {
	case flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		disposition = windows.CREATE_NEW
	case flag&os.O_CREATE != 0:
		disposition = windows.OPEN_ALWAYS
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	h, err := windows.CreateFile(p, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, disposition,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: path, Err: errReparse}
	}
	if info.NumberOfLinks > 1 {
		windows.CloseHandle(h)
		return nil, untrusted(path, "it has %d hard links: it may be another file's other name", info.NumberOfLinks)
	}
	return os.NewFile(uintptr(h), path), nil
}

func isLinkRefusal(err error) bool { return errors.Is(err, errReparse) }

func isReparse(fi fs.FileInfo) bool {
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		return d.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0
	}
	return false
}

func linkCount(fs.FileInfo) uint64 { return 1 } // checked on the handle by openNoFollow

// writeMask is every right that lets an account change a file or folder,
// its contents, or who may.
const writeMask = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.FILE_WRITE_EA | 0x40 /* FILE_DELETE_CHILD */ |
	windows.FILE_WRITE_ATTRIBUTES | windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL

func checkOwnerAndACL(path string, _ fs.FileInfo, secret bool) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return untrusted(path, "its security descriptor cannot be read: %v", err)
	}
	return checkDescriptor(path, sd, secret)
}

// checkDescriptor: owner SYSTEM, Administrators or the account running
// wurepair (as on Unix: as SYSTEM that is SYSTEM; an elevated admin whose
// objects Windows makes their own); no ACE gives anyone else a right to
// write (secret: any right at all).
func checkDescriptor(path string, sd *windows.SECURITY_DESCRIPTOR, secret bool) error {
	trustedSID := func(sid *windows.SID) bool { return wellKnownTrusted(sid) || isCurrentUser(sid) }
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return untrusted(path, "it has no owner")
	}
	if !trustedSID(owner) {
		return untrusted(path, "it is owned by %s, not SYSTEM, Administrators or the account running wurepair", owner.String())
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return untrusted(path, "it has no DACL: everyone may write it")
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return untrusted(path, "its DACL cannot be read: %v", err)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if trustedSID(sid) {
			continue
		}
		if secret && ace.Mask != 0 {
			return untrusted(path, "%s may read it (access mask 0x%x): only SYSTEM and Administrators may; %s", sid.String(), ace.Mask, aclAdvice(path))
		}
		if ace.Mask&writeMask != 0 {
			return untrusted(path, "%s may write it (access mask 0x%x): only SYSTEM and Administrators may; %s", sid.String(), ace.Mask, aclAdvice(path))
		}
	}
	return nil
}

// aclAdvice tells an administrator how to make path trustworthy again. The
// check itself never relaxes: a file system that keeps no Windows ACLs
// (Wine on a Unix file system derives a DACL from the file's mode, so the
// default umask reads as "Everyone: read") must create files owner-only.
func aclAdvice(path string) string {
	return fmt.Sprintf("an administrator can remove that access with: icacls \"%s\" /inheritance:r /grant:r *S-1-5-18:F *S-1-5-32-544:F "+
		"(or point --state-dir at a folder on an NTFS volume; where the file system keeps no Windows ACLs, e.g. Wine, files must be created owner-only: umask 077)", path)
}

func wellKnownTrusted(sid *windows.SID) bool {
	return sid.IsWellKnown(windows.WinLocalSystemSid) || sid.IsWellKnown(windows.WinBuiltinAdministratorsSid)
}

// isCurrentUser: sid is the user of this process's token.
func isCurrentUser(sid *windows.SID) bool {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	return err == nil && tu.User.Sid.Equals(sid)
}

func finalPath(path string) (string, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return "", err
	}
	h, err := windows.CreateFile(p, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer windows.CloseHandle(h)
	return handlePath(h)
}

func fileFinalPath(f *os.File) (string, error) { return handlePath(windows.Handle(f.Fd())) }

func handlePath(h windows.Handle) (string, error) {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetFinalPathNameByHandle(h, &buf[0], uint32(len(buf)), 0 /* FILE_NAME_NORMALIZED | VOLUME_NAME_DOS */)
	if err != nil {
		return "", fmt.Errorf("final path: %w", err)
	}
	if int(n) > len(buf) {
		return "", errors.New("final path too long")
	}
	return windows.UTF16ToString(buf[:n]), nil
}
