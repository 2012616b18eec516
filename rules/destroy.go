package rules

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// A rule whose actions destroy what they act on (terminate, delete-volume, release-address:
// Options.Destroys says which) must say so in the file, `confirm-destroy: true`, so that no
// one terminates a fleet by pasting an action into the wrong rule. The key on a rule with no
// destroying action is an error too, not a warning: it confirms nothing there, and is most
// likely a destroying action removed or misspelt — a rule file has no warnings, and a
// left-over confirmation would let a destroying action added later run unconfirmed.

// confirmKey is the rule-file key.
const confirmKey = "confirm-destroy"

// confirmDestroy reads the key (k) and its value, true or false, into confirmed; at is k
// when the value is one (a wrong value is its own error, and nothing more is said of it).
func (l *loader) confirmDestroy(k, v *yaml.Node, at **yaml.Node, confirmed *bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		l.errorf(v, "%s must be true or false", confirmKey)
		return
	}
	*at, *confirmed = k, v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
}

// checkDestroy holds a rule's (or a control entry's) destroying actions to its
// confirm-destroy key: each destroying action without `confirm-destroy: true` is an error at
// the action, naming it and the key; the key (keyNode, nil when absent) on a rule with no
// destroying action is an error at the key.
func (l *loader) checkDestroy(specs []ActionSpec, confirmed bool, keyNode *yaml.Node) {
	if l.opts.Destroys == nil {
		return
	}
	var destroying []string
	for _, spec := range specs {
		if !l.opts.Destroys(spec.Name) {
			continue
		}
		destroying = append(destroying, spec.Name)
		if !confirmed {
			l.errs = append(l.errs, &Error{Loc: spec.Loc, Msg: "action \"" + spec.Name +
				"\" destroys what it acts on: the rule must say " + confirmKey + ": true"})
		}
	}
	if keyNode != nil && len(destroying) == 0 {
		names := make([]string, len(specs))
		for i, s := range specs {
			names[i] = s.Name
		}
		has := "it has no actions"
		if len(names) > 0 {
			has = "its actions: " + strings.Join(names, ", ")
		}
		l.errorf(keyNode, "%s: the rule has no action that destroys (%s); remove the key", confirmKey, has)
	}
}
