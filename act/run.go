package act

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	owner "github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// API is what the actions need of AWS; *awsapi.Clients provides it.
type API interface {
	DescribeInstance(ctx context.Context, at resource.Place, id string) (*awsapi.Instance, error)
	ResourceTags(ctx context.Context, at resource.Place, id string) (map[string]string, error)
	StopProtected(ctx context.Context, at resource.Place, id string) (bool, error)
	StartInstance(ctx context.Context, at resource.Place, id string) error
	StopInstance(ctx context.Context, at resource.Place, id string) error
	SetProtection(ctx context.Context, at resource.Place, id string, stop, termination *bool) error
	CreateTags(ctx context.Context, at resource.Place, ids []string, tags map[string]string) error
	CreatedResources(ctx context.Context, at resource.Place, kind resource.Kind, ids []string) (map[string]*awsapi.Created, error)
	LookupEvent(ctx context.Context, at resource.Place, eventID string) ([]string, error)
	Publish(ctx context.Context, topicARN, subject, message string, attrs map[string]string) (string, error)
}

// Factory builds actions over one API.
type Factory struct {
	API API
	// Poll is how often start waits on a stopping instance (default 2s).
	Poll time.Duration
	// Now is the clock the tag action checks events' times against (default time.Now);
	// Window and Attach replace ClaimWindow and AttachWindow (tests).
	Now            func() time.Time
	Window, Attach time.Duration
	// Owners routes tell-owner's messages (the rule file's owner map: a file's *owner.Map or a
	// DynamoDB table's *owner.Table); Webhooks sends them to webhooks (nil: https only, the
	// defaults). See owner.go.
	Owners   owner.Directory
	Webhooks *owner.Webhooks
}

// New builds the action a rule names; its parameters were checked by actions.Check at load time.
func (f *Factory) New(spec rules.ActionSpec) (engine.Action, error) {
	cfg, ok := spec.Config.(actions.Config)
	if !ok || cfg.Action() != spec.Name {
		var err error // a spec built by hand, or loaded without Options.ParseAction
		if cfg, err = actions.Parse(spec.Name, spec.Params); err != nil {
			return nil, err
		}
	}
	return f.Build(cfg)
}

// Build makes the action of a configuration (actions.Parse's).
func (f *Factory) Build(cfg actions.Config) (engine.Action, error) {
	poll := f.Poll
	if poll == 0 {
		poll = 2 * time.Second
	}
	b := base{name: cfg.Action(), api: f.API}
	switch c := cfg.(type) {
	case actions.StartConfig:
		return &start{base: b, wait: c.Wait, poll: poll}, nil
	case actions.StopConfig:
		return &stop{base: b, force: c.Force}, nil
	case actions.TellOwnerConfig:
		return f.tellOwner(b, c)
	case actions.ProtectConfig:
		return &protect{base: b, stop: c.Stop, termination: c.Termination}, nil
	case actions.TagConfig:
		now := f.Now
		if now == nil {
			now = time.Now
		}
		return &tag{base: b, templates: c.Tags, overwrite: c.Overwrite, confirm: c.Confirm, now: now,
			window: cmp.Or(f.Window, ClaimWindow), attach: cmp.Or(f.Attach, AttachWindow)}, nil
	case actions.NotifyConfig:
		return &notify{base: b, topic: c.Topic, subject: c.Subject, message: c.Message, always: c.Always}, nil
	case actions.RequireIMDSv2Config:
		api, err := needAPI[imdsAPI](f, c.Action())
		return built(&requireIMDSv2{base: b, api: api, hop: c.HopLimit}, api, err)
	case actions.MakePrivateConfig:
		api, err := needAPI[privateAPI](f, c.Action())
		return built(&makePrivate{base: b, api: api}, api, err)
	case actions.RevokeIngressConfig:
		api, err := needAPI[revokeAPI](f, c.Action())
		return built(&revokeIngress{groupAction: groupAction{b}, api: api}, api, err)
	case actions.SnapshotConfig:
		api, err := needAPI[snapshotAPI](f, c.Action())
		return built(&snapshot{base: b, api: api}, api, err)
	case actions.TerminateConfig:
		api, err := needAPI[terminateAPI](f, c.Action())
		return built(&terminate{base: b, api: api, force: c.Force, snapshot: c.Snapshot}, api, err)
	case actions.DeleteVolumeConfig:
		api, err := needAPI[deleteVolumeAPI](f, c.Action())
		return built(&deleteVolume{base: b, api: api, snapshot: c.Snapshot}, api, err)
	case actions.ReleaseAddressConfig:
		api, err := needAPI[releaseAPI](f, c.Action())
		return built(&releaseAddress{base: b, api: api}, api, err)
	case actions.QuarantineConfig:
		api, err := needAPI[quarantineAPI](f, c.Action())
		now := f.Now
		if now == nil {
			now = time.Now
		}
		return built(&quarantine{base: b, api: api, snapshot: c.Snapshot, now: now}, api, err)
	case actions.RestrictIngressConfig:
		api, err := needAPI[restrictAPI](f, c.Action())
		return built(&restrictIngress{groupAction: groupAction{b}, api: api, cidrs: c.CIDRs}, api, err)
	case actions.EnableEbsEncryptionConfig:
		api, err := needAPI[ebsEncryptionAPI](f, c.Action())
		return built(&enableEbsEncryption{base: b, api: api}, api, err)
	case actions.BlockPublicAccessConfig:
		api, err := needAPI[blockAPI](f, c.Action())
		return built(&blockPublicAccess{base: b, api: api, cfg: c}, api, err)
	}
	return nil, fmt.Errorf("no action for a %T", cfg)
}

type base struct {
	name string
	api  API
}

func (b base) Name() string { return b.name }

func applied(format string, args ...any) engine.Result {
	return engine.Result{Outcome: engine.Applied, Reason: fmt.Sprintf(format, args...)}
}

func skipped(format string, args ...any) engine.Result {
	return engine.Result{Outcome: engine.Skipped, Reason: fmt.Sprintf(format, args...)}
}

func dryRun(format string, args ...any) engine.Result {
	return engine.Result{Outcome: engine.DryRun, Reason: "would " + fmt.Sprintf(format, args...)}
}

// failed is the result of an action that could not be done: doing says what was being done
// (the record's reason), err why it failed (its error), so neither repeats the other.
func failed(doing string, err error) engine.Result {
	return engine.Result{Outcome: engine.Failed, Reason: doing, Err: err}
}

// current returns the instance as it is now: events arrive late, twice, out of order, so
// the action decides on the instance's state, never the event's. A state the engine read for
// the filters moments ago, in this same handling, is current enough; otherwise it re-reads.
func (b base) current(ctx context.Context, inv engine.Invocation) (*awsapi.Instance, *engine.Result) {
	if inv.Resource.Kind != resource.Instance {
		r := skipped("%s acts on instances, not a %s", b.name, inv.Resource.Kind)
		return nil, &r
	}
	if r := inv.Resource; r.Exists && r.State != "" && r.Read.Has(resource.NeedDescribe) && !inv.Reread {
		return &awsapi.Instance{ID: r.ID, State: r.State, Tags: r.Tags}, nil
	}
	in, err := b.api.DescribeInstance(ctx, inv.Resource.Place, inv.Resource.ID)
	if errors.Is(err, awsapi.ErrNotFound) {
		r := skipped("instance %s no longer exists", inv.Resource.ID)
		return nil, &r
	}
	if err != nil {
		r := failed("describing instance "+inv.Resource.ID, err)
		return nil, &r
	}
	return in, nil
}

// reader reads a resource as the engine does (its Inventory; *awsapi.Clients' Get): what an
// action told its read is stale reads again.
type reader interface {
	Get(ctx context.Context, ref resource.Ref, needs resource.Needs) (*resource.Resource, error)
}

// decider is an action that decides on its resource as read, with what Needs says it reads.
type decider interface {
	engine.Action
	Needs() resource.Needs
}

// rereading is how the Factory hands the engine the actions that decide on a resource's
// configuration (built): told that an earlier action of the handling changed the resource
// (Invocation.Reread), the action decides on it read again (fresh), never on the read from
// before the change — so each of them need not read it again itself.
type rereading struct {
	decider
	api reader
}

func (a rereading) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	inv, stale := fresh(ctx, a.api, inv, a.Needs())
	if stale != nil {
		return *stale
	}
	return a.decider.Do(ctx, inv)
}

// fresh is inv with the resource its action decides on: the engine's read, or a new one when
// an earlier action of the handling changed the resource (inv.Reread: protect before
// terminate, one rule's quarantine before another's) — what that read had and what the
// action needs — made through the engine's own read, so it decides on what the filters
// would see now.
// A failed read is the result to return: nothing is decided on the stale one.
func fresh(ctx context.Context, api reader, inv engine.Invocation, needs resource.Needs) (engine.Invocation, *engine.Result) {
	if !inv.Reread {
		return inv, nil
	}
	r := inv.Resource
	now, err := api.Get(ctx, r.Ref, r.Read|needs)
	if err != nil {
		res := failed("reading "+r.ID+" again after an earlier change of it", err)
		return inv, &res
	}
	inv.Resource, inv.Reread = now, false
	return inv, nil
}

type start struct {
	base
	wait, poll time.Duration
}

func (a *start) Mutating() bool { return true }

func (a *start) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	in, res := a.current(ctx, inv)
	if res != nil {
		return *res
	}
	if in.State == resource.Stopping && !inv.DryRun {
		deadline := time.Now().Add(a.wait)
		for in.State == resource.Stopping && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return failed("waiting for "+in.ID+" to stop, to start it", ctx.Err())
			case <-time.After(a.poll):
			}
			fresh := inv
			fresh.Reread = true
			if in, res = a.current(ctx, fresh); res != nil {
				return *res
			}
		}
	}
	switch in.State {
	case resource.Stopped:
		if inv.DryRun {
			return dryRun("start %s (stopped)", in.ID)
		}
		if err := inv.MayMutate(ctx); err != nil {
			return engine.HeldBackResult(err)
		}
		if err := a.api.StartInstance(ctx, inv.Resource.Place, in.ID); err != nil {
			return failed("starting "+in.ID, err)
		}
		return applied("started %s (it was stopped)", in.ID)
	case resource.Stopping:
		if inv.DryRun {
			return dryRun("start %s once it has stopped", in.ID)
		}
		return failed("starting "+in.ID, fmt.Errorf("it was still stopping after %s", a.wait))
	default:
		return skipped("%s is %s: nothing to start", in.ID, in.State)
	}
}

type stop struct {
	base
	force bool
}

func (a *stop) Mutating() bool { return true }

func (a *stop) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	in, res := a.current(ctx, inv)
	if res != nil {
		return *res
	}
	if in.State != resource.Running && in.State != resource.Pending {
		return skipped("%s is %s: nothing to stop", in.ID, in.State)
	}
	protected, err := a.stopProtected(ctx, inv)
	if err != nil {
		return failed("reading the stop protection of "+in.ID, err)
	}
	if protected && !a.force {
		r := skipped("%s has stop protection (DisableApiStop): not stopped; force: true turns it off first", in.ID)
		r.Refused = true // it runs on against the rule: people are told
		return r
	}
	if inv.DryRun {
		if protected {
			return dryRun("turn off the stop protection of %s and stop it", in.ID)
		}
		return dryRun("stop %s (%s)", in.ID, in.State)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if protected {
		off := false
		if err := a.api.SetProtection(ctx, inv.Resource.Place, in.ID, &off, nil); err != nil {
			return failed("setting the stop protection of "+in.ID, err)
		}
	}
	if err := a.api.StopInstance(ctx, inv.Resource.Place, in.ID); err != nil {
		return failed("stopping "+in.ID, err)
	}
	if protected {
		return applied("turned off the stop protection of %s and stopped it", in.ID)
	}
	return applied("stopped %s (it was %s)", in.ID, in.State)
}

// stopProtected reads DisableApiStop: from the engine's read where a filter had it read,
// else with a call of its own (only an instance about to be stopped needs it).
func (a *stop) stopProtected(ctx context.Context, inv engine.Invocation) (bool, error) {
	if r := inv.Resource; r.Read.Has(resource.NeedProtection) && !inv.Reread {
		v, _ := r.Attrs["DisableApiStop"].(bool)
		return v, nil
	}
	return a.api.StopProtected(ctx, inv.Resource.Place, inv.Resource.ID)
}

// Needs implements engine.Reading: start, stop and protect decide on the instance's state,
// which the engine's read of the target gives them.
func (a *start) Needs() resource.Needs   { return resource.NeedDescribe }
func (a *stop) Needs() resource.Needs    { return resource.NeedDescribe }
func (a *protect) Needs() resource.Needs { return resource.NeedDescribe }

type protect struct {
	base
	stop, termination *bool
}

func (a *protect) Mutating() bool { return true }

func (a *protect) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	in, res := a.current(ctx, inv)
	if res != nil {
		return *res
	}
	if in.State == resource.Terminated || in.State == resource.ShuttingDown {
		return skipped("%s is %s", in.ID, in.State)
	}
	what := describeProtection(a.stop, a.termination)
	if inv.DryRun {
		return dryRun("set %s on %s", what, in.ID)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if err := a.api.SetProtection(ctx, inv.Resource.Place, in.ID, a.stop, a.termination); err != nil {
		return failed("setting "+what+" on "+in.ID, err)
	}
	return applied("set %s on %s", what, in.ID)
}

func describeProtection(stop, term *bool) string {
	var parts []string
	if stop != nil {
		parts = append(parts, fmt.Sprintf("DisableApiStop=%v", *stop))
	}
	if term != nil {
		parts = append(parts, fmt.Sprintf("DisableApiTermination=%v", *term))
	}
	return strings.Join(parts, ", ")
}

// values are what tag and notify templates may use.
type values struct {
	Rule, EventID, DetailType, EventName, Account, Region, Time, State string
	ResourceID, ResourceKind                                           string
	event.Identity
	told // what the rule's earlier actions did
}

func valuesOf(inv engine.Invocation) values {
	v := values{Rule: inv.Rule, ResourceID: inv.Resource.ID, ResourceKind: string(inv.Resource.Kind), State: string(inv.Resource.State), told: tell(inv.Earlier)}
	if ev := inv.Event; ev != nil {
		v.EventID, v.DetailType, v.Account, v.Region, v.Time = ev.ID, ev.DetailType, ev.Account, ev.Region, ev.Time
		if ct, err := ev.CloudTrailDetail(); err == nil {
			v.EventName = ct.EventName
			v.Identity = ct.Identity()
			if ct.EventTime != "" {
				v.Time = ct.EventTime
			}
		}
		if v.State == "" && ev.DetailType == event.DetailTypeStateChange {
			var d struct {
				State string `json:"state"`
			}
			_ = json.Unmarshal(ev.Detail, &d) // the state is informative only
			v.State = d.State
		}
	}
	// The resource's place, where it has one: a finding aggregated from a member account or
	// another region names where its resource lives, not the bus that carried it.
	v.Account, v.Region = cmp.Or(inv.Resource.Account, v.Account), cmp.Or(inv.Resource.Region, v.Region)
	if v.Account == "" {
		v.Account = v.Identity.Account
	}
	return v
}

// Field implements actions.Fields.
func (v values) Field(field string) string {
	switch field {
	case "Rule":
		return v.Rule
	case "EventID":
		return v.EventID
	case "DetailType":
		return v.DetailType
	case "EventName":
		return v.EventName
	case "Account":
		return v.Account
	case "Region":
		return v.Region
	case "Time":
		return v.Time
	case "State":
		return v.State
	case "ResourceID":
		return v.ResourceID
	case "ResourceKind":
		return v.ResourceKind
	case "Type":
		return v.Identity.Type
	case "UserName":
		return v.UserName
	case "PrincipalID":
		return v.PrincipalID
	case "ARN":
		return v.ARN
	case "SessionName":
		return v.SessionName
	case "RoleName":
		return v.RoleName
	}
	return v.told.get(field)
}
