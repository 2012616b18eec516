package cli

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
)

// appendRecord writes what encoding/json writes, for every field of a decision record. A new
// field in engine.Decision fails this test until appendRecord writes it too.
func TestAppendRecordAsEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "<html> & more", "line\nbreak\ttab\x01", "café ☃", "bad \xff utf-8", "\u2028\u2029", "i-0abc/rule|0:start"}
	nums := []float64{0, 1, 0.001, 12.345, 1e-7, 1e21, 123456789.125, -3.5}
	typ := reflect.TypeFor[engine.Decision]()
	for round := 0; round < len(strs)*2; round++ {
		var d engine.Decision
		v := reflect.ValueOf(&d).Elem()
		for i := 0; i < typ.NumField(); i++ {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(strs[(round+i)%len(strs)])
			case reflect.Bool:
				f.SetBool((round+i)%2 == 0)
			case reflect.Float64:
				f.SetFloat(nums[(round+i)%len(nums)])
			case reflect.Int:
				if typ.Field(i).Tag.Get("json") != "-" {
					t.Fatalf("engine.Decision.%s is an int in the record: teach appendRecord to write it", typ.Field(i).Name)
				}
				f.SetInt(int64(round%3 + 1)) // not part of the record: neither writer may show it
			default:
				t.Fatalf("engine.Decision.%s is a %s: teach appendRecord to write it", typ.Field(i).Name, f.Kind())
			}
		}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(appendRecord(nil, d)); got != string(want)+"\n" {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}
