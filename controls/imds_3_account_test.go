package controls

import "testing"

func TestIMDSAccount(t *testing.T) {
	judge(t, imdsAccount, nil, []example{
		{"required", account(map[string]any{"InstanceMetadataDefaults": map[string]any{"HttpTokens": "required"}}), Pass, "", 0},
		{"optional", account(map[string]any{"InstanceMetadataDefaults": map[string]any{"HttpTokens": "optional"}}), Fail, "do not require", 0},
		{"no defaults", account(map[string]any{"InstanceMetadataDefaults": map[string]any{}}), Fail, "", 0},
		{"not read", account(map[string]any{"Unread": []any{"InstanceMetadataDefaults"}}), Error, "unknown", 0},
	})
}
