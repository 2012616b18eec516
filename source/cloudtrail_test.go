package source

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/benchdata"
)

// viaFastPath is what Decode yields for a JSON object; viaGeneralPath what the general path
// alone yields for it (nil, false when data is not valid JSON: Decode reads NDJSON then).
func viaFastPath(t testing.TB, data []byte) []Item {
	var items []Item
	if err := Decode("f", bytes.NewReader(data), func(it Item) { items = append(items, it) }); err != nil {
		t.Fatal(err)
	}
	return items
}

func viaGeneralPath(data []byte) ([]Item, bool) {
	var items []Item
	ok := decodeObject("f", bytes.TrimSpace(data), func(it Item) { items = append(items, it) })
	return items, ok
}

// sameItems compares items as the engine sees them: positions, errors, envelope fields,
// and the raw event and detail as JSON values.
func sameItems(t testing.TB, got, want []Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Pos != w.Pos || (g.Err == nil) != (w.Err == nil) || (g.Err != nil && g.Err.Error() != w.Err.Error()) {
			t.Fatalf("item %d: %s %v, want %s %v", i, g.Pos, g.Err, w.Pos, w.Err)
		}
		if g.Event == nil {
			continue
		}
		ge, we := *g.Event, *w.Event
		if !sameJSON(ge.Raw, we.Raw) || !sameJSON(ge.Detail, we.Detail) {
			t.Fatalf("item %d: raw\n%s\nwant\n%s", i, ge.Raw, we.Raw)
		}
		// The records' event_name: what the source read, or the detail's scan, is what
		// encoding/json decodes.
		if gn, wn := ge.CallName(), we.CallName(); gn != wn {
			t.Fatalf("item %d: event name %q, want %q", i, gn, wn)
		} else if ct, err := we.CloudTrailDetail(); err == nil && ct.EventName != gn {
			t.Fatalf("item %d: event name %q, encoding/json reads %q", i, gn, ct.EventName)
		}
		ge.Raw, we.Raw, ge.Detail, we.Detail, ge.EventName, we.EventName = nil, nil, nil, nil, "", ""
		if !reflect.DeepEqual(ge, we) {
			t.Fatalf("item %d: %+v, want %+v", i, ge, we)
		}
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

func TestCloudTrailFastPathAsGeneral(t *testing.T) {
	rec := `{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventTime":"2026-11-22T10:00:00Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333","eventName":"RunInstances"}`
	tests := map[string]string{
		"generated log":             string(benchdata.CloudTrailLog(benchdata.Trail{Records: 300, Seed: 7, CreateShare: 0.3})),
		"pretty":                    "{\n  \"Records\" : [\n    " + strings.ReplaceAll(rec, ",", ",\n      ") + "\n  ]\n}\n",
		"escapes in a field":        `{"Records":[{"eventID":"e\u0031","eventSource":"ec2.amazonaws.com"}]}`,
		"escape in a key":           `{"Records":[{"event\u0049D":"e1","eventSource":"ec2.amazonaws.com"}]}`,
		"key in another case":       `{"Records":[{"EVENTID":"e1","eventSource":"ec2.amazonaws.com"}]}`,
		"field not a string":        `{"Records":[{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventTime":12}]}`,
		"field null":                `{"Records":[{"eventID":null,"eventSource":"ec2.amazonaws.com"}]}`,
		"no id":                     `{"Records":[{"eventSource":"ec2.amazonaws.com"}]}`,
		"record not an object":      `{"Records":[1,"x",[],null,` + rec + `]}`,
		"duplicate field":           `{"Records":[{"eventID":"a","eventID":"b","eventSource":"s3.amazonaws.com"}]}`,
		"duplicate Records":         `{"Records":[` + rec + `],"Records":[]}`,
		"escaped duplicate Records": `{"Records":[` + rec + `],"Rec\u006frds":[` + strings.Replace(rec, `"e1"`, `"e2"`, 1) + `]}`,
		"escaped Records":           `{"Rec\u006frds":[` + rec + `]}`,
		"folded duplicate Records":  `{"Records":[` + rec + `],"Recordſ":[]}`,
		"escaped Records in case":   `{"Records":[],"\u0072ecords":[` + rec + `]}`,
		"escaped duplicate field":   `{"Records":[{"eventID":"a","event\u0049D":"b","eventSource":"ec2.amazonaws.com"}]}`,
		"folded duplicate field":    `{"Records":[{"eventSource":"ec2.amazonaws.com","eventID":"a","eventſource":"s3.amazonaws.com"}]}`,
		"dotted I in a field":       `{"Records":[{"eventID":"a","eventİD":"b","eventSource":"ec2.amazonaws.com"}]}`,
		"duplicate, other case":     `{"Records":[{"eventID":"a","EventId":"b","eventSource":"ec2.amazonaws.com"}]}`,
		"duplicate source":          `{"Records":[{"eventID":"a","eventSource":"ec2.amazonaws.com","eventSource":"mallory.app"}]}`,
		"records in lower case":     `{"records":[` + rec + `]}`,
		"Records null":              `{"Records":null,"id":"x","source":"s","detail-type":"d"}`,
		"Records empty":             `{"Records":[]}`,
		"an event":                  ev1,
		"invalid UTF-8 in a field":  "{\"Records\":[{\"eventID\":\"e\xff\",\"eventSource\":\"ec2.amazonaws.com\"}]}",
		"event name escaped":        `{"Records":[{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventName":"Run\u0049nstances"}]}`,
		"event name twice":          `{"Records":[{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventName":"A","eventName":"B","eventName":null}]}`,
		"event name in lower case":  `{"Records":[{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventName":"A","eventname":"B"}]}`,
		"event name a number":       `{"Records":[{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventName":7}]}`,
		"deep nesting":              `{"Records":[{"eventID":"e1","eventSource":"x.y","a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}]}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			want, ok := viaGeneralPath([]byte(in))
			if !ok {
				t.Fatalf("not valid JSON: %s", in)
			}
			got := viaFastPath(t, []byte(in))
			sameItems(t, got, want)
			asEncodingJSON(t, []byte(in), got)
		})
	}
}

// asEncodingJSON checks the items Decode made of data against what encoding/json itself reads
// in data, a log file: the records of its "Records" (the last of duplicate keys, escapes
// decoded, letter case folded as encoding/json folds it) and each one's envelope fields.
func asEncodingJSON(t testing.TB, data []byte, got []Item) {
	t.Helper()
	var log struct {
		Records []json.RawMessage `json:"Records"`
	}
	if json.Unmarshal(data, &log) != nil || log.Records == nil {
		return // not a log file for encoding/json: one event, or NDJSON
	}
	if len(got) != len(log.Records) {
		t.Fatalf("%d items of %d records, as encoding/json reads them: %q", len(got), len(log.Records), data)
	}
	for i, rec := range log.Records {
		var r struct {
			EventID            string `json:"eventID"`
			EventSource        string `json:"eventSource"`
			EventTime          string `json:"eventTime"`
			AWSRegion          string `json:"awsRegion"`
			RecipientAccountID string `json:"recipientAccountId"`
		}
		err := json.Unmarshal(rec, &r)
		if err != nil || r.EventID == "" || r.EventSource == "" {
			if got[i].Err == nil {
				t.Fatalf("record %d: an event, but encoding/json reads no id or source in it (%v): %s", i, err, rec)
			}
			continue
		}
		ev := got[i].Event
		if ev == nil {
			t.Fatalf("record %d: %v; encoding/json reads %+v", i, got[i].Err, r)
		}
		svc, _, _ := strings.Cut(r.EventSource, ".")
		if ev.ID != r.EventID || ev.Source != "aws."+svc || ev.Time != r.EventTime || ev.Region != r.AWSRegion || ev.Account != r.RecipientAccountID {
			t.Fatalf("record %d: id %q source %q time %q region %q account %q; encoding/json reads %+v", i, ev.ID, ev.Source, ev.Time, ev.Region, ev.Account, r)
		}
		if !sameJSON(ev.Detail, rec) {
			t.Fatalf("record %d: detail %s, encoding/json reads %s", i, ev.Detail, rec)
		}
		var env struct {
			ID     string          `json:"id"`
			Source string          `json:"source"`
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(ev.Raw, &env); err != nil || env.ID != r.EventID || env.Source != ev.Source || !sameJSON(env.Detail, rec) {
			t.Fatalf("record %d: the raw event %s is not the record's (%v)", i, ev.Raw, err)
		}
	}
}

// The walker accepts exactly what encoding/json.Valid accepts.
func TestWalkerValidity(t *testing.T) {
	for _, in := range []string{
		`{}`, `{"a":1}`, `{"a":-0.5e+3}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":"\u00zz"}`,
		`{"a":"x` + "\x01" + `"}`, `{"a":"\q"}`, `{"a":tru}`, `{"a":[1,]}`, `{"a":1,}`, `{"a" 1}`, `{"a":[1 2]}`,
		`{"a":{"b":[true,false,null,"\"\\\/\b\f\n\r\t\u1234"]}}`, `{"Records":[{}]} x`, `{"Records":[{}]`,
		`{"Records":[` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `]}`,
	} {
		_, ok := cloudTrailRecords([]byte(`{"Records":[` + in + `]}`))
		if ok != json.Valid([]byte(`{"Records":[`+in+`]}`)) {
			t.Errorf("%.60s: walker says %v, encoding/json the opposite", in, ok)
		}
	}
}

// FuzzCloudTrailFastPath is a differential fuzz: whatever the input, Decode yields what the
// general path yields and what encoding/json reads in it.
func FuzzCloudTrailFastPath(f *testing.F) {
	f.Add([]byte(`{"Records":[{"eventID":"e1","eventSource":"ec2.amazonaws.com","eventTime":"t","awsRegion":"r","recipientAccountId":"a"}]}`))
	f.Add([]byte(`{"Records":[{"eventID":"e\u0031","eventSource":"ec2"},{"eventid":1}]}`))
	f.Add([]byte(`{"Records":[1,{"a":[{"b":-1.5e3}]},"x"]}`))
	f.Add(benchdata.CloudTrailLog(benchdata.Trail{Records: 2, Seed: 1}))
	f.Add([]byte(`{"Records":[{"eventID":"a","eventSource":"ec2.x"}],"Rec\u006frds":[{"eventID":"b","eventSource":"ec2.x"}]}`))
	f.Add([]byte(`{"Records":[{"eventID":"a","eventİD":"b","eventſource":"s3.x","eventSource":"ec2.x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, ok := cloudTrailRecords(data); ok && !json.Valid(data) {
			t.Fatalf("the walker accepted invalid JSON: %q", data)
		}
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) == 0 || trimmed[0] != '{' {
			return
		}
		want, ok := viaGeneralPath(data)
		if !ok {
			return
		}
		got := viaFastPath(t, data)
		sameItems(t, got, want)
		asEncodingJSON(t, data, got)
	})
}
