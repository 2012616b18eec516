package controls

import (
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

func TestIdleStopped(t *testing.T) {
	stopped := func(days int) *resource.Resource {
		return inst(resource.Stopped, map[string]any{"StateTransitionTime": now.Add(-time.Duration(days) * 24 * time.Hour)})
	}
	judge(t, idleStopped, nil, []example{
		{"stopped 3 days", stopped(3), Pass, "within", 0},
		{"stopped 31 days", stopped(31), Fail, "more than the allowed days", 0},
		{"running for a year", inst(resource.Running, map[string]any{"StateTransitionTime": now.Add(-365 * 24 * time.Hour)}), NotApplicable, "not stopped", 0},
		// AWS falls back to the launch time; awsapi fills StateTransitionTime with it. Unknown: not judged failing.
		{"stop time unknown", inst(resource.Stopped, map[string]any{}), Pass, "", 0},
	})
	judge(t, idleStopped, map[string]any{"allowed-days": 7}, []example{
		{"stopped 8 days, 7 allowed", stopped(8), Fail, "", 0},
		{"stopped 6 days, 7 allowed", stopped(6), Pass, "", 0},
	})
}
