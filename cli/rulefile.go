package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/rules"
)

// ruleFlags are the flags every command that reads a rule file shares.
type ruleFlags struct {
	file string
	vars []string
	src  []byte // the rule file's content, when it is not read from file (the demo's embedded rules)
}

// load reads and validates the rule file. Variables come from EC2GUARD_VAR_NAME in the
// environment, overridden by --var NAME=VALUE.
func (f *ruleFlags) load() (*rules.Set, error) {
	set, _, _, err := f.loadWithSource()
	return set, err
}

// loadWithSource is load that also returns the file's content and the variables it was
// given.
func (f *ruleFlags) loadWithSource() (*rules.Set, []byte, map[string]string, error) {
	if f.file == "" {
		return nil, nil, nil, usageError(fmt.Errorf("a rule file is required (-r RULES)"))
	}
	vars := map[string]string{}
	for _, kv := range os.Environ() {
		if name, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, "EC2GUARD_VAR_") {
			vars[strings.TrimPrefix(name, "EC2GUARD_VAR_")] = val
		}
	}
	for _, kv := range f.vars {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, nil, nil, usageError(fmt.Errorf("--var %q: want NAME=VALUE", kv))
		}
		vars[name] = val
	}
	src := f.src
	if src == nil {
		var err error
		if src, err = os.ReadFile(f.file); err != nil {
			return nil, nil, nil, usageError(fmt.Errorf("reading rule file: %w", err))
		}
	}
	set, err := rules.Load(f.file, src, rules.Options{Vars: vars, ParseAction: actions.ParseSpec, Transitions: actions.Transitions, Reach: true, Controls: controls.RuleSource, Destroys: actions.Destroys,
		AllowLoopbackHTTP: loopbackHTTP()})
	if err != nil {
		return nil, nil, nil, usageError(err)
	}
	return set, src, vars, nil
}

// loopbackHTTP says whether the owner map's webhooks may be http:// to a loopback host: only
// when EC2GUARD_TEST_LOOPBACK_HTTP=1, for trying rules against a local webhook server.
func loopbackHTTP() bool { return os.Getenv("EC2GUARD_TEST_LOOPBACK_HTTP") == "1" }

// clockAhead moves the engines' and the control scans' clock ahead, in tests only (set by
// the package's tests, never by the environment: a binary whose clock a variable could move
// would let it end every grace at once), so that what an emulator stamps with the real
// clock — moto's stop time of an instance — is as old as a test needs (EC2.4's days stopped).
var clockAhead time.Duration

// clock is the engines' and the control scans' clock: time.Now, moved by clockAhead.
func clock() func() time.Time {
	if ahead := clockAhead; ahead != 0 {
		return func() time.Time { return time.Now().Add(ahead) }
	}
	return time.Now
}
