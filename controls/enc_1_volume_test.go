package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestEncVolume(t *testing.T) {
	vol := func(state string, enc bool) *resource.Resource {
		return res(resource.Volume, map[string]any{"State": state, "Encrypted": enc})
	}
	judge(t, encVolume, nil, []example{
		{"attached, encrypted", vol("in-use", true), Pass, "encrypted", 0},
		{"attached, unencrypted", vol("in-use", false), Fail, "not encrypted", 0},
		{"unattached, unencrypted", vol("available", false), NotApplicable, "not attached", 0},
	})
}
