package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestEncSnapshot(t *testing.T) {
	judge(t, encSnapshot, nil, []example{
		{"encrypted", res(resource.Snapshot, map[string]any{"Encrypted": true}), Pass, "", 0},
		{"unencrypted", res(resource.Snapshot, map[string]any{"Encrypted": false}), Fail, "not encrypted", 0},
	})
}
