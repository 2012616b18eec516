package act

import (
	"fmt"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
)

func TestEveryTemplateFieldHasAValue(t *testing.T) {
	// Every field a template may name has a value.
	full := values{Rule: "1", EventID: "2", DetailType: "3", EventName: "4", Account: "5", Region: "6", Time: "7", State: "8", ResourceID: "9", ResourceKind: "10",
		Identity: event.Identity{Type: "11", UserName: "12", PrincipalID: "13", ARN: "14", SessionName: "15", RoleName: "16"}}
	for i, o := range []engine.Outcome{engine.Applied, engine.DryRun, engine.Suppressed, engine.Failed, engine.Skipped, engine.Pending} {
		full.told.steps = append(full.told.steps, engine.Step{Action: fmt.Sprint("a", i), Mutating: true, Outcome: o, Reason: "why"})
	}
	full.told = tell(full.told.steps)
	for i, f := range actions.TemplateFields() {
		if got := full.Field(f); got == "" {
			t.Errorf("field %s (#%d) has no value", f, i+1)
		}
	}
}
