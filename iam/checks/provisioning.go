package checks

import (
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/iam/catalog"
)

// provisioning reports whether the subject is one of the configured provisioning
// principals: a pattern with ":" is matched against the ARN, one without against the name
// (and the ARN's last path segment); * and ? wildcards, case-insensitive.
func provisioning(env *Env, s *Subject) bool {
	last := s.Principal[strings.LastIndexAny(s.Principal, "/:")+1:]
	for _, p := range env.Settings.Provisioning {
		if strings.Contains(p, ":") {
			if s.Principal != "" && catalog.Match(p, s.Principal) {
				return true
			}
			continue
		}
		if (s.Name != "" && catalog.Match(p, s.Name)) || (last != "" && catalog.Match(p, last)) {
			return true
		}
	}
	return false
}

// reservedFor is the principal function of checks whose actions belong to provisioning
// principals only (IAM-EC2-3, -5): any grant, on any resource and under any condition,
// held by someone else is reported.
func reservedFor(_ string, actions []string, what string) func(*Env, *Subject) ([]Finding, error) {
	q := &query{name: "anywhere", actions: actions, modelled: keyIn(), probes: grantedAnywhere}
	return func(env *Env, s *Subject) ([]Finding, error) {
		if provisioning(env, s) {
			return nil, nil
		}
		gs, err := q.run(env, s)
		if err != nil {
			return nil, err
		}
		return findings(s, gs, func(acts []string) string {
			return fmt.Sprintf("%s is not a provisioning principal but may %s: %s", who(s), what, strings.Join(acts, ", "))
		}), nil
	}
}
