package orchestrator

// ErrorCode names a code for messages. The reference itself is
// codeTable (wuerr_table.go, generated); see wuerr.go.
type ErrorCode struct {
	HResult uint32
	Name    string // the SDK symbol, or the meaning where no public header defines one
	Class   Class
}

// LookupHResult finds a code in the reference.
func LookupHResult(h uint32) (ErrorCode, bool) {
	info, ok := LookupCode(h)
	if !ok {
		return ErrorCode{}, false
	}
	name := info.Symbol
	if name == "" {
		name = info.Meaning
	}
	return ErrorCode{HResult: h, Name: name, Class: info.Class}, true
}
