package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestIdleVolume(t *testing.T) {
	judge(t, idleVolume, nil, []example{
		{"attached", res(resource.Volume, map[string]any{"VolumeId": "vol-1", "State": "in-use",
			"Attachments": []any{map[string]any{"InstanceId": "i-1", "State": "attached"}}}), Pass, "attached to an instance", 0},
		{"available", res(resource.Volume, map[string]any{"VolumeId": "vol-1", "State": "available"}), Fail, "attached to nothing", 0},
		{"being made", res(resource.Volume, map[string]any{"VolumeId": "vol-1", "State": "creating"}), Pass, "", 0},
	})
}
