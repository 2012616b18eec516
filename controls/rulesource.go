package controls

import (
	"fmt"

	"github.com/ec2guard/ec2guard/rules"
)

// RuleSource is the rules a control stands for in a rule file (rules.Options.Controls): one
// per way it fails, each of the control's scope and that case's filters, on the control's
// events. id is ours or Security Hub's; params are checked against the control's.
func RuleSource(id string, params map[string]any) ([]rules.ControlRule, error) {
	c, ok := ByID(id)
	if !ok {
		return nil, unknownControl(id)
	}
	k, err := c.Compile(params)
	if err != nil {
		return nil, err
	}
	var out []rules.ControlRule
	for i, fs := range k.Filters() {
		cr := rules.ControlRule{Description: c.Title + ": " + c.Fails[i].Why, Pattern: c.Pattern(), Kind: c.Kind, Filters: fs, ActionParams: c.ActionParams}
		if len(c.Fails) > 1 {
			cr.Suffix = fmt.Sprintf("/%d", i+1)
		}
		out = append(out, cr)
	}
	return out, nil
}
