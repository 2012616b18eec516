package event

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		name, src, err string
	}{
		{"state change", `{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2026-11-22T10:00:00Z","region":"us-east-1","resources":[],"detail":{"instance-id":"i-1","state":"stopped"}}`, ""},
		{"no detail", `{"id":"1","detail-type":"x","source":"y"}`, ""},
		{"missing id and source", `{"detail-type":"x"}`, "event is missing id, source (every EventBridge event has id, source and detail-type)"},
		{"detail not an object", `{"id":"1","detail-type":"x","source":"y","detail":"{}"}`, "detail: expected an object, got a string"},
		{"detail null", `{"id":"1","detail-type":"x","source":"y","detail":null}`, "detail: expected an object, got null"},
		{"truncated", `{"id":`, "unexpected end of input"},
		{"wrong type", `{"id":1,"detail-type":"x","source":"y"}`, "id: expected a string, got a number"},
		{"resources not an array", `{"id":"1","detail-type":"x","source":"y","resources":"r"}`, "resources: expected an array, got a string"},
		{"a boolean", `{"id":"1","detail-type":true,"source":"y"}`, "detail-type: expected a string, got a boolean"},
		{"syntax", "{\n  \"id\": \"1\",\n  \"source\" \"y\"\n}", `line 3, column 12: invalid character '"' after object key`},
		{"an array", `[{"id":"1"}]`, "an event must be a JSON object, not an array"},
		{"a number", ` 5`, "an event must be a JSON object, not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.src))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if string(e.Raw) != tt.src {
					t.Fatalf("Raw = %s, want the input", e.Raw)
				}
				return
			}
			if err == nil || err.Error() != tt.err {
				t.Fatalf("Parse error = %v, want %q", err, tt.err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"1","detail-type":"x","source":"y","detail":{"a":1}}`))
	f.Add([]byte(`{"id":"1","detail":[]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		e, err := Parse(src)
		if err == nil && (e.ID == "" || e.Source == "" || e.DetailType == "") {
			t.Fatalf("accepted an event without id, source or detail-type: %q", src)
		}
	})
}
