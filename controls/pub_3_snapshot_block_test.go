package controls

import "testing"

func TestPubSnapshotBlock(t *testing.T) {
	state := func(s string) map[string]any { return map[string]any{"SnapshotBlockPublicAccessState": s} }
	judge(t, pubSnapshotBlock, nil, []example{
		{"block all", account(state("block-all-sharing")), Pass, "", 0},
		{"block new", account(state("block-new-sharing")), Fail, "not block-all-sharing", 0},
		{"unblocked", account(state("unblocked")), Fail, "", 0},
	})
}
