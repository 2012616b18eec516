package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestPubSnapshot(t *testing.T) {
	judge(t, pubSnapshot, nil, []example{
		{"private", res(resource.Snapshot, map[string]any{"Public": false}), Pass, "", 0},
		{"public", res(resource.Snapshot, map[string]any{"Public": true}), Fail, "everyone", 0},
		{"shared with all", res(resource.Snapshot, map[string]any{"CreateVolumePermissions": []any{map[string]any{"Group": "all"}}}), Fail, "", 0},
		{"shared with an account", res(resource.Snapshot, map[string]any{"CreateVolumePermissions": []any{map[string]any{"UserId": "111122223333"}}}), Pass, "", 0},
	})
}
