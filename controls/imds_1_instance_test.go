package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestIMDSInstance(t *testing.T) {
	md := func(state resource.State, opts map[string]any) *resource.Resource {
		return inst(state, map[string]any{"MetadataOptions": opts})
	}
	judge(t, imdsInstance, nil, []example{
		{"required", md(resource.Running, map[string]any{"HttpTokens": "required", "HttpEndpoint": "enabled"}), Pass, "requires IMDSv2", 0},
		{"optional", md(resource.Running, map[string]any{"HttpTokens": "optional", "HttpEndpoint": "enabled"}), Fail, "HttpTokens", 0},
		// AWS's text judges HttpTokens alone (Prowler passes this one)
		{"disabled but optional", md(resource.Stopped, map[string]any{"HttpTokens": "optional", "HttpEndpoint": "disabled"}), Fail, "", 0},
		{"not given", inst(resource.Running, map[string]any{}), Fail, "", 0},
		{"terminated", md(resource.Terminated, map[string]any{"HttpTokens": "optional"}), NotApplicable, "terminated", 0},
	})
}
