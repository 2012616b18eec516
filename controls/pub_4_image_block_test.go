package controls

import "testing"

func TestPubImageBlock(t *testing.T) {
	state := func(s string) map[string]any { return map[string]any{"ImageBlockPublicAccessState": s} }
	judge(t, pubImageBlock, nil, []example{
		{"on", account(state("block-new-sharing")), Pass, "", 0},
		{"off", account(state("unblocked")), Fail, "off", 0},
	})
}
