package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// kind is the JSON type of a node.
type kind int

const (
	kNull kind = iota
	kString
	kNumber
	kBool
	kObject
	kArray
)

func (k kind) String() string {
	return [...]string{"null", "string", "number", "boolean", "object", "array"}[k]
}

// node is a decoded JSON value that remembers where it started, so every problem
// found later can be reported at its line and column.
type node struct {
	kind   kind
	str    string // string, number (as written) or "true"/"false"
	keys   []string
	keyOff []int
	vals   []*node // object values (parallel to keys) or array elements
	off    int
}

// field returns the value of key in an object node, matching IAM's element names exactly.
func (n *node) field(key string) (*node, int) {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i], n.keyOff[i]
		}
	}
	return nil, -1
}

// decodeTree decodes src into a node tree, recording the byte offset of each value.
// encoding/json's Decoder reports the offset after each token; the start of the next
// token is found by skipping the whitespace and separators the decoder consumed.
func decodeTree(src []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	n, err := decodeValue(dec, src)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &offsetError{off: int(dec.InputOffset()), msg: "unexpected data after the policy document"}
	}
	return n, nil
}

type offsetError struct {
	off int
	msg string
}

func (e *offsetError) Error() string { return e.msg }

func tokenStart(src []byte, off int) int {
	for off < len(src) {
		switch src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func jsonErr(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &offsetError{off: int(se.Offset), msg: "invalid JSON: " + se.Error()}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &offsetError{off: int(dec.InputOffset()), msg: "invalid JSON: unexpected end of input"}
	}
	return &offsetError{off: int(dec.InputOffset()), msg: "invalid JSON: " + err.Error()}
}

const maxDepth = 64

func decodeValue(dec *json.Decoder, src []byte) (*node, error) {
	return decodeDepth(dec, src, 0)
}

func decodeDepth(dec *json.Decoder, src []byte, depth int) (*node, error) {
	start := tokenStart(src, int(dec.InputOffset()))
	if depth > maxDepth {
		return nil, &offsetError{off: start, msg: "JSON nested too deeply"}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr(dec, err)
	}
	n := &node{off: start}
	switch t := tok.(type) {
	case nil:
		n.kind = kNull
	case string:
		n.kind, n.str = kString, t
	case json.Number:
		n.kind, n.str = kNumber, string(t)
	case bool:
		n.kind, n.str = kBool, strconv.FormatBool(t)
	case json.Delim:
		switch t {
		case '{':
			n.kind = kObject
			for dec.More() {
				koff := tokenStart(src, int(dec.InputOffset()))
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonErr(dec, err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &offsetError{off: koff, msg: "invalid JSON: object key is not a string"}
				}
				v, err := decodeDepth(dec, src, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.keyOff = append(n.keyOff, koff)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = kArray
			for dec.More() {
				v, err := decodeDepth(dec, src, depth+1)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
		default:
			return nil, &offsetError{off: start, msg: fmt.Sprintf("invalid JSON: unexpected %q", t)}
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, jsonErr(dec, err)
		}
	}
	return n, nil
}
