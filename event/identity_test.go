package event

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestIdentity(t *testing.T) {
	tests := []struct {
		typ, ui                     string
		user, principal, role, sess string
	}{
		{"IAMUser", `{"type":"IAMUser","principalId":"AIDAJ7EQQEKFAVPO3NTQG","arn":"arn:aws:iam::111122223333:user/Bob","userName":"Bob"}`, "Bob", "AIDAJ7EQQEKFAVPO3NTQG", "", ""},
		{"AssumedRole", `{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice@example.com","arn":"arn:aws:sts::111122223333:assumed-role/Dev/alice@example.com","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/Dev","userName":"Dev"}}}`, "alice@example.com", "AROAEXAMPLE:alice@example.com", "Dev", "alice@example.com"},
		{"FederatedUser", `{"type":"FederatedUser","principalId":"111122223333:carol","arn":"arn:aws:sts::111122223333:federated-user/carol"}`, "carol", "111122223333:carol", "", ""},
		{"Root", `{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}`, "root", "111122223333", "", ""},
		{"AWSService", `{"type":"AWSService","invokedBy":"autoscaling.amazonaws.com"}`, "autoscaling.amazonaws.com", "autoscaling.amazonaws.com", "", ""},
		{"IdentityCenterUser", `{"type":"IdentityCenterUser","accountId":"111122223333","onBehalfOf":{"userId":"9067"},"credentialId":"x"}`, "9067", "9067", "", ""},
		{"WebIdentityUser", `{"type":"WebIdentityUser","principalId":"cognito-identity.amazonaws.com:us-east-1:123:abc","userName":"abc","identityProvider":"cognito-identity.amazonaws.com"}`, "abc", "cognito-identity.amazonaws.com:us-east-1:123:abc", "", ""},
		{"SAMLUser", `{"type":"SAMLUser","principalId":"SampleUkh1i4+ExamplexL/jEvs=:SamlExample","userName":"SamlExample"}`, "SamlExample", "SampleUkh1i4+ExamplexL/jEvs=:SamlExample", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			var ct CloudTrail
			if err := json.Unmarshal([]byte(`{"userIdentity":`+tt.ui+`}`), &ct); err != nil {
				t.Fatal(err)
			}
			id := ct.Identity()
			if id.Type != tt.typ || id.UserName != tt.user || id.PrincipalID != tt.principal || id.RoleName != tt.role || id.SessionName != tt.sess {
				t.Fatalf("%+v", id)
			}
		})
	}
}

func TestTagValue(t *testing.T) {
	tests := []struct {
		in  string
		ok  bool
		why string
	}{
		{"alice@example.com:Dev/x", true, ""},
		{"AROAEXAMPLE:smith,john", true, ""}, // a session name's comma is kept, not made smith_john
		{"a\tb*c ü 名前", true, ""},
		{"", true, ""},
		{strings.Repeat("é", 256), true, ""},
		{strings.Repeat("é", 257), false, "257 characters"},
		{"AWS:thing", false, "aws:"},
		{"bad\xffutf8", false, "UTF-8"},
	}
	for _, tt := range tests {
		ok, why := TagValue(tt.in)
		if ok != tt.ok || !strings.Contains(why, tt.why) {
			t.Errorf("TagValue(%q) = %v, %q; want %v, %q", tt.in, ok, why, tt.ok, tt.why)
		}
	}
}
