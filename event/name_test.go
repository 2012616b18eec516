package event

import (
	"encoding/json"
	"testing"
)

func TestCallName(t *testing.T) {
	tests := []struct{ name, detail, want string }{
		{"plain", `{"eventVersion":"1.08","eventName":"RunInstances","x":1}`, "RunInstances"},
		{"after nesting", `{"a":{"eventName":"Inner","b":["}",{"c":"\""}]},"eventName":"Outer"}`, "Outer"},
		{"spaces", " {\n \"eventName\" :\t\"StopInstances\" \n} ", "StopInstances"},
		{"escaped value", `{"eventName":"Run\u0049nstances"}`, "RunInstances"},
		{"escaped key", `{"event\u004eame":"CreateTags"}`, "CreateTags"},
		{"last wins", `{"eventName":"A","eventName":"B"}`, "B"},
		{"null keeps the earlier", `{"eventName":"A","eventName":null}`, "A"},
		{"other case", `{"EventName":"A"}`, "A"},
		{"a number", `{"eventName":7}`, ""},
		{"absent", `{"eventSource":"ec2.amazonaws.com"}`, ""},
		{"not an object", `["eventName","A"]`, ""},
		{"empty", ``, ""},
		{"truncated", `{"eventName":"A"`, ""},
		{"invalid UTF-8", "{\"eventName\":\"A\xff\"}", "A\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Event{DetailType: DetailTypeAPICall, Detail: json.RawMessage(tt.detail)}
			if got := e.CallName(); got != tt.want {
				t.Fatalf("CallName = %q, want %q", got, tt.want)
			}
		})
	}
	known := &Event{DetailType: DetailTypeAPICall, EventName: "Known", Detail: json.RawMessage(`{"eventName":"Other"}`)}
	if got := known.CallName(); got != "Known" {
		t.Fatalf("CallName with EventName set = %q, want Known", got)
	}
	state := &Event{DetailType: DetailTypeStateChange, Detail: json.RawMessage(`{"eventName":"X"}`)}
	if got := state.CallName(); got != "" {
		t.Fatalf("CallName of a state change = %q, want none", got)
	}
}

// CallName reads what encoding/json decodes, without decoding.
func FuzzCallName(f *testing.F) {
	for _, s := range []string{`{"eventName":"A"}`, `{"a":[1,{"eventName":"x"}],"eventName":"B"}`, `{"EVENTNAME":"a","eventName":null}`, `{"event\u004eame":"\u00e9"}`, `{"eventName":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, detail []byte) {
		got := (&Event{DetailType: DetailTypeAPICall, Detail: detail}).CallName()
		var want struct {
			EventName string `json:"eventName"`
		}
		if json.Unmarshal(detail, &want) == nil && got != want.EventName {
			t.Fatalf("CallName(%q) = %q, encoding/json reads %q", detail, got, want.EventName)
		}
	})
}

func BenchmarkCallName(b *testing.B) {
	detail := json.RawMessage(`{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111122223333:assumed-role/dev/alice","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/dev","userName":"dev"},"attributes":{"creationDate":"2026-11-22T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-22T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-sdk-go-v2/1.30","requestParameters":{"bucketName":"logs","key":"a/b/c"},"responseElements":null,"eventID":"e1","readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}`)
	e := &Event{DetailType: DetailTypeAPICall, Detail: detail}
	for b.Loop() {
		if e.CallName() != "GetObject" {
			b.Fatal("wrong name")
		}
	}
}
