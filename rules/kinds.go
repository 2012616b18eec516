package rules

import (
	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// DefaultKinds are the kinds a rule that names none judges: what the events its pattern
// selects concern. (A first cut: instances. The events' targets of every kind come next.)
func DefaultKinds(p *pattern.Pattern) []resource.Kind {
	return []resource.Kind{resource.Instance}
}
