package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// JSONError words an encoding/json error about raw in the input's own terms: a type error as
// "PATH: expected a string, got a number" (PATH the JSON path of the field), a syntax error
// at its line and column, a truncated input as "unexpected end of input". Other errors are
// returned as they are. raw nil leaves a syntax error's place to the caller. within is the path of raw in the event ("detail"), or "".
func JSONError(raw []byte, err error, within string) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		path := te.Field
		if within != "" {
			path = strings.TrimSuffix(within+"."+path, ".")
		}
		if path == "" {
			path = "the value"
		}
		got, _, _ := strings.Cut(te.Value, " ") // "number -5": the kind is enough
		return fmt.Errorf("%s: expected %s, got %s", path, expected(te.Type), article(got))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("unexpected end of input")
	case errors.As(err, &se):
		if se.Error() == "unexpected end of JSON input" {
			return errors.New("unexpected end of input")
		}
		line, col := lineCol(raw, se.Offset)
		switch {
		case raw == nil:
			return errors.New(se.Error()) // the caller places it
		case bytes.IndexByte(raw, '\n') < 0:
			return fmt.Errorf("column %d: %s", col, se.Error()) // one line: the position names it
		}
		return fmt.Errorf("line %d, column %d: %s", line, col, se.Error())
	}
	return err
}

// lineCol is the 1-based line and column of the byte before offset (where encoding/json
// stopped: Offset counts the bytes read, the offending one included).
func lineCol(raw []byte, offset int64) (line, col int) {
	n := int(min(max(offset-1, 0), int64(len(raw))))
	before := raw[:n]
	line = 1 + bytes.Count(before, []byte{'\n'})
	return line, n - bytes.LastIndexByte(before, '\n')
}

func expected(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Name() == "RawMessage" {
			return "a JSON value"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another value"
}

func article(kind string) string {
	switch kind {
	case "object", "array":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "":
		return "another value"
	}
	return "a " + kind
}

// jsonKind names the kind of JSON value that begins with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// TrimBOM drops a UTF-8 byte order mark (editors on Windows write one) from the start of an
// input: it is not part of the JSON.
func TrimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf}) }
