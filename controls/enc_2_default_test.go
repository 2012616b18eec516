package controls

import "testing"

func TestEncDefault(t *testing.T) {
	judge(t, encDefault, nil, []example{
		{"on", account(map[string]any{"EbsEncryptionByDefault": true}), Pass, "on", 0},
		{"off", account(map[string]any{"EbsEncryptionByDefault": false}), Fail, "off", 0},
		{"unknown", account(map[string]any{}), Fail, "off", 0},
	})
}
