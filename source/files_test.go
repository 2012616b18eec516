package source

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

const ev1 = `{"id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-1","state":"stopped"}}`
const ev2 = `{"id":"2","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-2","state":"running"}}`

func decodeAll(t *testing.T, name, input string) (ids, errs []string) {
	t.Helper()
	err := Decode(name, strings.NewReader(input), func(it Item) {
		if it.Err != nil {
			errs = append(errs, it.Pos+": "+it.Err.Error())
			return
		}
		ids = append(ids, it.Pos+"="+it.Event.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, errs
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func TestDecode(t *testing.T) {
	trail := `{"Records":[{"eventID":"ct-1","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","eventTime":"2026-11-22T10:00:00Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"bob"}},{"eventSource":"s3.amazonaws.com"}]}`
	tests := []struct {
		name, input string
		ids, errs   []string
	}{
		{"one event", ev1, []string{"f:1=1"}, nil},
		{"pretty event", "{\n  \"id\": \"1\",\n  \"source\": \"x\",\n  \"detail-type\": \"y\"\n}\n", []string{"f:1=1"}, nil},
		{"array", "[" + ev1 + "," + ev2 + "]", []string{"f:#0=1", "f:#1=2"}, nil},
		{"array with a bad element", "[" + ev1 + `,{"id":"x"},` + ev2 + "]", []string{"f:#0=1", "f:#2=2"}, []string{"f:#1: event is missing source, detail-type (every EventBridge event has id, source and detail-type)"}},
		{"ndjson", ev1 + "\n\n" + ev2 + "\n", []string{"f:1=1", "f:3=2"}, nil},
		{"ndjson with garbage", ev1 + "\nnot json\n" + ev2, []string{"f:1=1", "f:3=2"}, []string{"f:2: column 2: invalid character 'o' in literal null (expecting 'u')"}},
		{"ndjson with a wrong type", ev1 + "\n" + `{"id":7,"source":"s","detail-type":"d"}`, []string{"f:1=1"}, []string{"f:2: id: expected a string, got a number"}},
		{"ndjson with an array", ev1 + "\n" + `[1]`, []string{"f:1=1"}, []string{"f:2: an event must be a JSON object, not an array"}},
		{"cloudtrail log", trail, []string{"f:Records[0]=ct-1"}, []string{"f:Records[1]: CloudTrail record has no eventID or eventSource"}},
		{"gzip cloudtrail log", gz(trail), []string{"f:Records[0]=ct-1"}, []string{"f:Records[1]: CloudTrail record has no eventID or eventSource"}},
		{"cloudtrail record of a wrong type", `{"Records":[{"eventID":5,"eventSource":"ec2.amazonaws.com"}]}`, nil, []string{"f:Records[0]: CloudTrail record: eventID: expected a string, got a number"}},
		{"cloudtrail field of a wrong type", `{"Records":[` + `{"eventID":"e","eventSource":"ec2.amazonaws.com","awsRegion":["x"]}]}`, nil, []string{"f:Records[0]: CloudTrail record: awsRegion: expected a string, got an array"}},
		{"array element not an object", "[" + ev1 + ",5]", []string{"f:#0=1"}, []string{"f:#1: an event must be a JSON object, not a number"}},
		{"array truncated", "[" + ev1 + ",\n{\"id\":", []string{"f:#0=1"}, []string{"f:#1: malformed JSON array at line 2: unexpected end of input"}},
		{"array broken", "[\n" + ev1 + "\n,,]", []string{"f:#0=1"}, []string{"f:#1: malformed JSON array at line 3: invalid character ',' looking for beginning of value"}},
		{"truncated pretty event", "\n\n{\n  \"id\": \"1\",\n  \"source\": \"x\",\n  \"detail\": {\n    \"state\": \"stopped\"\n", nil, []string{"f:3: unexpected end of input"}},
		{"broken pretty event", "{\n  \"id\": \"1\",\n  \"source\" \"x\"\n}\n", nil, []string{"f:1: line 3, column 12: invalid character '\"' after object key"}},
		{"byte order mark", "\ufeff" + ev1, []string{"f:1=1"}, nil},
		{"byte order mark, pretty", "\ufeff{\n  \"id\": \"1\",\n  \"source\": \"x\",\n  \"detail-type\": \"y\"\n}\n", []string{"f:1=1"}, nil},
		{"byte order mark, ndjson", "\ufeff" + ev1 + "\n" + ev2, []string{"f:1=1", "f:2=2"}, nil},
		{"byte order mark, array", "\ufeff[" + ev1 + "]", []string{"f:#0=1"}, nil},
		{"byte order mark, gzip", gz("\ufeff" + trail), []string{"f:Records[0]=ct-1"}, []string{"f:Records[1]: CloudTrail record has no eventID or eventSource"}},
		{"empty", "  \n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, errs := decodeAll(t, "f", tt.input)
			if strings.Join(ids, ",") != strings.Join(tt.ids, ",") {
				t.Errorf("events %v, want %v", ids, tt.ids)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			for i := range errs {
				if errs[i] != tt.errs[i] {
					t.Errorf("error %q, want %q", errs[i], tt.errs[i])
				}
			}
		})
	}
}

func TestCloudTrailEnvelope(t *testing.T) {
	var got []Item
	Decode("f", strings.NewReader(`{"Records":[{"eventID":"ct-1","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","eventTime":"2026-11-22T10:00:00Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333"}]}`), func(it Item) { got = append(got, it) })
	e := got[0].Event
	if e.Source != "aws.ec2" || e.DetailType != "AWS API Call via CloudTrail" || e.Region != "eu-west-1" || e.Account != "111122223333" || e.Time != "2026-11-22T10:00:00Z" {
		t.Fatalf("%+v", e)
	}
	ct, err := e.CloudTrailDetail()
	if err != nil || ct.EventName != "RunInstances" {
		t.Fatalf("%+v %v", ct, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(ev1))
	f.Add([]byte("[" + ev1 + "]"))
	f.Add([]byte(`{"Records":[{"eventID":"a","eventSource":"ec2.amazonaws.com"}]}`))
	f.Add([]byte(gz(ev1 + "\n" + ev2)))
	f.Add([]byte("\ufeff{\n  \"id\": \"1\",\n  \"detail\": {\n"))
	f.Add([]byte("[" + ev1 + ",\n5,,"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Decode("f", bytes.NewReader(data), func(it Item) {
			if (it.Event == nil) == (it.Err == nil) {
				t.Fatalf("item %+v has both or neither of event and error", it)
			}
			if it.Pos == "" {
				t.Fatal("item without a position")
			}
		})
	})
}

// Only records of a CloudTrail log file are replays; an EventBridge event is live wherever it
// comes from, and no JSON field can make it a replay.
func TestReplayOnlyForLogRecords(t *testing.T) {
	rec := `{"eventID":"ct-1","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","eventTime":"2026-11-22T10:00:00Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333"}`
	tests := []struct {
		name, input string
		replay      bool
	}{
		{"log file", `{"Records":[` + rec + `]}`, true},
		{"log file off the fast path", "{\"Records\" :\n [" + strings.Replace(rec, `"eventID"`, `"eventI\u0044"`, 1) + `], "x": 1}`, true},
		{"gzip log file", gz(`{"Records":[` + rec + `]}`), true},
		{"EventBridge event", ev1, false},
		{"event claiming to be a replay", strings.Replace(ev1, `{"id"`, `{"Replay":true,"replay":true,"id"`, 1), false},
		{"NDJSON", ev1 + "\n" + ev2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			Decode("f", strings.NewReader(tt.input), func(it Item) {
				if it.Err != nil {
					t.Fatal(it.Err)
				}
				n++
				if it.Event.Replay != tt.replay {
					t.Errorf("%s: Replay = %v, want %v", it.Pos, it.Event.Replay, tt.replay)
				}
			})
			if n == 0 {
				t.Fatal("no event")
			}
		})
	}
}
