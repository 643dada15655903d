package fakehost

import "fmt"

// Error records the simulated scripts throw. Their text is localized like
// a real Windows (French with Faults.French): wurepair must decide on
// FullyQualifiedErrorId and HResult only, never on the message.

// scriptStack is the ScriptStackTrace of an error thrown by a script that
// the bootstrap ran with AddScript.
const scriptStack = "at <ScriptBlock>, <No file>: line 1"

// tr picks the message in the host's language.
func (c *Call) tr(en, fr string) string {
	if c.Host != nil && c.Host.sc.Faults.French {
		return fr
	}
	return en
}

// throw ends the script with a terminating error.
func (c *Call) throw(r ErrorRecord) {
	if r.Stack == "" {
		r.Stack = scriptStack
	}
	c.Fail(r)
}

// refuse throws WurPathRefused: the request names something the script
// must not touch.
func (c *Call) refuse(target, en, fr string) {
	c.throw(ErrorRecord{Message: c.tr(en, fr), FQID: "WurPathRefused", Category: "InvalidArgument", Target: target,
		HResult: hrInvalidArg.Int64(), ExceptionType: "System.ArgumentException"})
}

// refuseName throws WurNameRefused (Get-WurDllPresence: not a bare DLL name).
func (c *Call) refuseName(name string) {
	c.throw(ErrorRecord{
		Message: c.tr(fmt.Sprintf("'%s' is not a bare DLL file name (name.dll, no path).", name),
			fmt.Sprintf("« %s » n'est pas un simple nom de fichier DLL (nom.dll, sans chemin).", name)),
		FQID: "WurNameRefused", Category: "InvalidArgument", Target: name,
		HResult: hrInvalidArg.Int64(), ExceptionType: "System.ArgumentException"})
}

// backupMissing throws WurBackupMissing.
func (c *Call) backupMissing(path string) {
	c.throw(ErrorRecord{
		Message: c.tr(fmt.Sprintf("The backup '%s' does not exist.", path), fmt.Sprintf("La sauvegarde « %s » n'existe pas.", path)),
		FQID:    "WurBackupMissing", Category: "ObjectNotFound", Target: path,
		HResult: hrPathNotFound.Int64(), ExceptionType: "System.IO.DirectoryNotFoundException"})
}

// ioRecord is what Remove-Item throws when Windows refuses (cmdlet
// "RemoveItem"); Remove-WurBackup wraps it.
func (c *Call) ioRecord(cmdlet, target string, hr HResult) ErrorRecord {
	r := ErrorRecord{Target: target, HResult: hr.Int64(), ExceptionType: "System.IO.IOException", Category: "WriteError",
		FQID: cmdlet + "IOError,Microsoft.PowerShell.Commands." + cmdlet + "Command"}
	switch hr {
	case hrSharingViolation:
		r.Message = c.tr("The process cannot access the file because it is being used by another process.",
			"Le processus ne peut pas accéder au fichier car ce fichier est utilisé par un autre processus.")
	case hrDiskFull:
		r.Message = c.tr("There is not enough space on the disk.", "Espace insuffisant sur le disque.")
	case hrAccessDenied:
		r.Message = c.tr(fmt.Sprintf("Access to the path '%s' is denied.", target), fmt.Sprintf("L'accès au chemin d'accès '%s' est refusé.", target))
		r.ExceptionType, r.Category = "System.UnauthorizedAccessException", "PermissionDenied"
		r.FQID = cmdlet + "UnauthorizedAccessError,Microsoft.PowerShell.Commands." + cmdlet + "Command"
	default:
		r.Message = c.tr("Exception from HRESULT: "+hr.String(), "Exception de HRESULT : "+hr.String())
	}
	return r
}

// renameFailure throws what Backup-WurFolder and Restore-WurFolder throw
// when [System.IO.Directory]::Move fails: WurRenameFailed around an
// IOException whose HResult is the Win32 error. .NET Framework's
// Directory.Move throws IOException(0x80070005) for ERROR_ACCESS_DENIED,
// which is what MoveFile returns for a folder holding a file another
// process has open (not a sharing violation); Rename-Item on 5.1 lost that
// code (a bare IOException, 0x80131620).
func (c *Call) renameFailure(target string, hr HResult) {
	r := ErrorRecord{Target: target, HResult: hr.Int64(), ExceptionType: "System.IO.IOException", Category: "WriteError", FQID: "WurRenameFailed"}
	switch hr {
	case hrSharingViolation:
		r.Message = c.tr("The process cannot access the file because it is being used by another process.",
			"Le processus ne peut pas accéder au fichier car ce fichier est utilisé par un autre processus.")
	case hrDiskFull:
		r.Message = c.tr("There is not enough space on the disk.", "Espace insuffisant sur le disque.")
	case hrAccessDenied:
		r.Message = c.tr(fmt.Sprintf("Access to the path '%s' is denied.", target), fmt.Sprintf("L'accès au chemin d'accès '%s' est refusé.", target))
	default:
		r.Message = c.tr("Exception from HRESULT: "+hr.String(), "Exception de HRESULT : "+hr.String())
	}
	c.throw(r)
}

// serviceNotFound throws what the service scripts throw for a name that
// is not a service: their own record around an ArgumentException (real
// pwsh showed it; the fake had Get-Service's InvalidOperationException).
func (c *Call) serviceNotFound(name string) {
	c.throw(ErrorRecord{
		Message: c.tr(fmt.Sprintf("No service is named %s.", name), fmt.Sprintf("Aucun service n'est nommé « %s ».", name)),
		FQID:    "WurServiceNotFound", Category: "ObjectNotFound", Target: name,
		HResult: hrInvalidArg.Int64(), ExceptionType: "System.ArgumentException"})
}

// elevationRequired throws what Repair-WindowsImage throws when not elevated.
func (c *Call) elevationRequired() {
	c.throw(ErrorRecord{
		Message: c.tr("The requested operation requires elevation.", "L'opération demandée nécessite une élévation."),
		FQID:    "Microsoft.Dism.Commands.RepairWindowsImageCommand", Category: "NotSpecified",
		HResult: hrElevationRequired.Int64(), ExceptionType: "System.Runtime.InteropServices.COMException"})
}

// programMissing throws what Register-WurDll throws for a missing
// program (New-WurError without an exception: an ArgumentException).
func (c *Call) programMissing(exe string) {
	c.throw(ErrorRecord{
		Message: c.tr("regsvr32.exe is missing: "+exe, "regsvr32.exe is missing: "+exe),
		FQID:    "WurProgramMissing", Category: "ObjectNotFound", Target: exe,
		HResult: hrInvalidArg.Int64(), ExceptionType: "System.ArgumentException"})
}
