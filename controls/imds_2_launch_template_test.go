package controls

import "testing"

func TestIMDSLaunchTemplate(t *testing.T) {
	judge(t, imdsLaunchTemplate, nil, []example{
		{"required", template(map[string]any{"MetadataOptions": map[string]any{"HttpTokens": "required"}}), Pass, "", 0},
		{"optional", template(map[string]any{"MetadataOptions": map[string]any{"HttpTokens": "optional"}}), Fail, "does not require", 0},
		// the Config rule fails a version that does not specify IMDSv2 (Security Hub's text leaves it open)
		{"not specified", template(map[string]any{"ImageId": "ami-1"}), Fail, "", 0},
	})
}
