package fakehost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// lineWidth is how wide a line of a scenario or state file may grow before
// an object or array is spread over several lines.
const lineWidth = 132

// encodeJSON writes v as indented JSON in which every object or array that
// fits on one line stays on one line (one service, one file, one event per
// line), so scenario and state files are readable and diff well. Map keys
// are sorted (encoding/json), so equal values give identical bytes.
func encodeJSON(v any) ([]byte, error) {
	raw, err := marshalPlain(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	n.write(&b, "", 0)
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

// jsonNode is a parsed JSON value that keeps object key order.
type jsonNode struct {
	delim byte // '{', '[' or 0 for a scalar
	keys  []string
	kids  []*jsonNode
	text  string // a scalar's JSON text
}

func parseNode(dec *json.Decoder) (*jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jsonNode{delim: byte(t)}
		for dec.More() {
			if n.delim == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, scalarText(k))
			}
			kid, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		if _, err := dec.Token(); err != nil && err != io.EOF {
			return nil, err
		}
		return n, nil
	default:
		return &jsonNode{text: scalarText(t)}, nil
	}
}

func scalarText(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Number:
		return v.String()
	case string:
		b, _ := marshalPlain(v)
		return string(b)
	}
	return fmt.Sprint(t)
}

func (n *jsonNode) closing() byte {
	if n.delim == '{' {
		return '}'
	}
	return ']'
}

// inline is the node on one line, with a space after ':' and ','.
func (n *jsonNode) inline() string {
	if n.delim == 0 {
		return n.text
	}
	var b strings.Builder
	b.WriteByte(n.delim)
	for i, kid := range n.kids {
		if i > 0 {
			b.WriteString(", ")
		}
		if n.delim == '{' {
			b.WriteString(n.keys[i] + ": ")
		}
		b.WriteString(kid.inline())
	}
	b.WriteByte(n.closing())
	return b.String()
}

// write prints the node whose line already holds used columns.
func (n *jsonNode) write(b *strings.Builder, indent string, used int) {
	one := n.inline()
	if n.delim == 0 || len(n.kids) == 0 || used+len(one) <= lineWidth {
		b.WriteString(one)
		return
	}
	inner := indent + "  "
	b.WriteByte(n.delim)
	b.WriteByte('\n')
	for i, kid := range n.kids {
		b.WriteString(inner)
		used := len(inner)
		if n.delim == '{' {
			b.WriteString(n.keys[i] + ": ")
			used += len(n.keys[i]) + 2
		}
		kid.write(b, inner, used+1)
		if i < len(n.kids)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(indent)
	b.WriteByte(n.closing())
}

// marshalPlain is json.Marshal without HTML escaping ("<runid>" stays readable).
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
