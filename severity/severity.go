// Package severity is the one scale of how bad a finding is, shared by the IAM checks and the
// EC2 controls (and so by the report, SARIF and ASFF that show them): low, medium, high,
// critical, as Security Hub labels them.
package severity

import (
	"fmt"
	"strings"
)

// Level ranks a finding.
type Level int

// The levels, lowest first.
const (
	Low Level = iota + 1
	Medium
	High
	Critical
)

var names = [...]string{Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Level) String() string {
	if s < Low || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return names[s]
}

// MarshalText writes the level's name.
func (s Level) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a level's name (case-insensitive).
func (s *Level) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Parse reads a level's name, in any case.
func Parse(name string) (Level, error) {
	for s := Low; s <= Critical; s++ {
		if strings.EqualFold(name, names[s]) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", name)
}
