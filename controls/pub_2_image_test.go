package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestPubImage(t *testing.T) {
	judge(t, pubImage, nil, []example{
		{"private", res(resource.Image, map[string]any{"Public": false}), Pass, "", 0},
		{"public", res(resource.Image, map[string]any{"Public": true}), Fail, "public", 0},
	})
}
