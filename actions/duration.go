package actions

import (
	"fmt"
	"time"
)

// maxWait bounds how long an action may wait for an instance to settle.
const maxWait = 15 * time.Minute

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("not a duration like 90s or 2m: %q", s)
	}
	if d <= 0 || d > maxWait {
		return 0, fmt.Errorf("must be between 0 and %s, got %s", maxWait, d)
	}
	return d, nil
}
