package act

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

const (
	alice = `{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice@example.com","arn":"arn:aws:sts::123456789012:assumed-role/Dev/alice@example.com","sessionContext":{"sessionIssuer":{"userName":"Dev"}}}`
	// mallory writes events to a source ec2guard reads; her own calls are genuine.
	mallory = `{"type":"IAMUser","principalId":"AIDAMALLORY","arn":"arn:aws:iam::123456789012:user/mallory","userName":"mallory"}`
)

var ownerTags = map[string]any{"tags": map[string]any{"Owner": "{{.UserName}}", "PrincipalId": "{{.PrincipalID}}"}}

// counting is the real API, counting the reads of what calls created.
type counting struct {
	*awsapi.Clients
	reads atomic.Int32
}

func (c *counting) CreatedResources(ctx context.Context, at resource.Place, kind resource.Kind, ids []string) (map[string]*awsapi.Created, error) {
	c.reads.Add(1)
	return c.Clients.CreatedResources(ctx, at, kind, ids)
}

func tagAction(t *testing.T, api API, now func() time.Time, params map[string]any) engine.Action {
	t.Helper()
	return tagWithin(t, api, now, 0, params)
}

// tagWithin is tagAction with an attach window (0: AttachWindow).
func tagWithin(t *testing.T, api API, now func() time.Time, attach time.Duration, params map[string]any) engine.Action {
	t.Helper()
	a, err := (&Factory{API: api, Now: now, Attach: attach}).New(rules.ActionSpec{Name: "tag", Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// ctEvent is the EventBridge event of a CloudTrail record of call name at eventTime at.
func ctEvent(t *testing.T, id, name string, at time.Time, identity, request, response string) *event.Event {
	t.Helper()
	ts := at.UTC().Format(time.RFC3339)
	e, err := event.Parse(fmt.Appendf(nil, `{"version":"0","id":%q,"source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","account":"123456789012","time":%q,"region":"us-east-1","resources":[],`+
		`"detail":{"eventVersion":"1.09","eventID":%q,"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","userIdentity":%s,"requestParameters":%s,"responseElements":%s}}`,
		id, ts, id, ts, name, identity, request, response))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// runEvent is a RunInstances event of reservation r with these instances.
func runEvent(t *testing.T, id string, at time.Time, identity, r string, instances ...string) *event.Event {
	items := make([]string, len(instances))
	for i, in := range instances {
		items[i] = fmt.Sprintf(`{"instanceId":%q,"instanceState":{"code":0,"name":"pending"}}`, in)
	}
	resp := fmt.Sprintf(`{"requestId":"req-1","reservationId":%q,"ownerId":"123456789012","instancesSet":{"items":[%s]}}`, r, strings.Join(items, ","))
	if r == "" {
		resp = fmt.Sprintf(`{"instancesSet":{"items":[%s]}}`, strings.Join(items, ","))
	}
	return ctEvent(t, id, "RunInstances", at, identity, `{"instanceType":"t3.micro"}`, resp)
}

// launched describes an instance: its reservation, launch time and what came with it.
func launched(t *testing.T, f *mototest.Fleet, id string) (reservation string, at time.Time, parts []string) {
	t.Helper()
	out, err := f.EC2.DescribeInstances(f.Ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Reservations[0].ReservationId, *out.Reservations[0].Instances[0].LaunchTime, f.Attached(id)
}

// on is the invocation the engine makes of tag on one target of ev: with the event's other
// targets, as the engine hands them, and the event's handling's Scope (one per event).
func on(id, kind string, dry bool, ev *event.Event) engine.Invocation {
	in := inv(id, kind, dry, ev)
	if ev == nil {
		return in
	}
	scopesMu.Lock()
	defer scopesMu.Unlock()
	if scopes[ev] == nil {
		scopes[ev] = &engine.Scope{}
	}
	in.Scope = scopes[ev]
	ts, _, _ := event.Targets(ev)
	for _, t := range ts {
		in.Targets = append(in.Targets, &engine.Resource{Ref: resource.Ref{Kind: t.Kind, ID: t.ID, Place: in.Resource.Place}})
	}
	return in
}

var (
	scopesMu sync.Mutex
	scopes   = map[*event.Event]*engine.Scope{}
)

func wantTags(t *testing.T, f *mototest.Fleet, owner, principal string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if got := f.Tags(id); got["Owner"] != owner || got["PrincipalId"] != principal {
			t.Errorf("%s tags = %v, want Owner=%q PrincipalId=%q", id, got, owner, principal)
		}
	}
}

func wantUntagged(t *testing.T, f *mototest.Fleet, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if got := f.Tags(id); got["Owner"] != "" || got["PrincipalId"] != "" {
			t.Errorf("%s was tagged: %v", id, got)
		}
	}
}

func wantResult(t *testing.T, r engine.Result, o engine.Outcome, reason ...string) {
	t.Helper()
	if r.Outcome != o {
		t.Fatalf("outcome %s (%s), want %s", r.Outcome, r.Reason, o)
	}
	for _, s := range reason {
		if !strings.Contains(r.Reason, s) {
			t.Fatalf("reason %q lacks %q", r.Reason, s)
		}
	}
}

// A genuine RunInstances of a fleet tags each instance with exactly what its launch created,
// reading the whole fleet once.
func TestTagGenuineFleet(t *testing.T) {
	f := newFleet(t)
	fleet := f.RunMany(3, nil)
	other := f.Run(nil, false)
	r, at, _ := launched(t, f, fleet[0])
	api := &counting{Clients: awsapi.New()}
	tag := tagAction(t, api, nil, ownerTags)
	ev := runEvent(t, "ct-fleet", at, alice, r, fleet...)
	if res := tag.Do(f.Ctx, on(fleet[0], "instance", true, ev)); res.Outcome != engine.DryRun {
		t.Fatalf("dry run: %+v", res)
	}
	wantUntagged(t, f, fleet[0])
	for _, id := range fleet {
		_, _, parts := launched(t, f, id)
		wantResult(t, tag.Do(f.Ctx, on(id, "instance", false, ev)), engine.Applied, id, parts[0], parts[1])
		wantTags(t, f, "alice@example.com", "AROAEXAMPLE:alice@example.com", append(parts, id)...)
	}
	_, _, otherParts := launched(t, f, other)
	wantUntagged(t, f, append(otherParts, other)...)
	if n := api.reads.Load(); n != 1 {
		t.Errorf("%d reads of the fleet, want 1 (one Describe per event)", n)
	}
	wantResult(t, tag.Do(f.Ctx, on(fleet[0], "instance", false, ev)), engine.Skipped, "already carry")
}

// Forged RunInstances events: none of the victim's resources is tagged, and each refusal says
// what differed; the resource the forger did launch in the same event is still tagged.
func TestTagForgedRunInstances(t *testing.T) {
	f := newFleet(t)
	victim := f.Run(nil, false)
	vr, vat, victimParts := launched(t, f, victim)
	own := f.Run(nil, false)
	mr, mat, _ := launched(t, f, own)
	tag := tagAction(t, awsapi.New(), nil, ownerTags)

	// Mallory's own reservation, naming the victim's instance too.
	ev := runEvent(t, "ct-forged-1", mat, mallory, mr, own, victim)
	wantResult(t, tag.Do(f.Ctx, on(victim, "instance", false, ev)), engine.Skipped,
		"does not match the resource: "+victim+" is in reservation "+vr+", the event's is "+mr)
	wantResult(t, tag.Do(f.Ctx, on(own, "instance", false, ev)), engine.Applied)
	wantUntagged(t, f, append(victimParts, victim)...)

	tests := []struct {
		name   string
		ev     *event.Event
		now    time.Time
		reason string
	}{
		{"no reservation id", runEvent(t, "ct-forged-2", vat, mallory, "", victim), time.Now(), "the event has no responseElements.reservationId"},
		{"the right reservation, an hour before the launch", runEvent(t, "ct-forged-3", vat.Add(-time.Hour), mallory, vr, victim), time.Now(), "was first launched at " + vat.UTC().Format(time.RFC3339) + ", 1h0m0s after eventTime (window ±5m0s)"},
		{"a fresh event naming an old instance", runEvent(t, "ct-forged-4", vat.Add(6*time.Hour), mallory, vr, victim), vat.Add(6 * time.Hour), "6h0m0s before eventTime"},
		{"years before the launch", runEvent(t, "ct-forged-5", vat.AddDate(-3, 0, 0), mallory, vr, victim), time.Now(), "past EventBridge's 24h0m0s retry horizon"},
		{"from the future", runEvent(t, "ct-forged-6", vat.Add(time.Hour), mallory, vr, victim), time.Now(), "in the future"},
		{"no eventTime", runEvent(t, "ct-forged-7", time.Time{}, mallory, vr, victim), time.Now(), "refused: the event has no eventTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			forged := tagAction(t, awsapi.New(), func() time.Time { return now }, ownerTags)
			wantResult(t, forged.Do(f.Ctx, on(victim, "instance", false, tt.ev)), engine.Skipped, tt.reason)
			wantUntagged(t, f, append(victimParts, victim)...)
		})
	}

	// The genuine event of a terminated instance tags nothing: not it, not its volumes.
	f.EC2.TerminateInstances(f.Ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{victim}})
	wantResult(t, tag.Do(f.Ctx, on(victim, "instance", false, runEvent(t, "ct-late", vat, alice, vr, victim))), engine.Skipped, victim+" is terminated: never tagged")
	wantUntagged(t, f, append(victimParts, victim)...)
}

// A live event past EventBridge's retry horizon is refused; the same record replayed from a
// CloudTrail log is acted on, since the resource's creation still matches the call's time.
func TestTagStaleLiveAndReplay(t *testing.T) {
	f := newFleet(t)
	id := f.Run(nil, false)
	r, at, parts := launched(t, f, id)
	later := func() time.Time { return at.Add(48 * time.Hour) }
	tag := tagAction(t, awsapi.New(), later, ownerTags)
	ev := runEvent(t, "ct-old", at, alice, r, id)
	wantResult(t, tag.Do(f.Ctx, on(id, "instance", false, ev)), engine.Skipped, "refused: the event's eventTime", "48h0m0s old")
	wantUntagged(t, f, append(parts, id)...)
	ev.Replay = true
	wantResult(t, tag.Do(f.Ctx, on(id, "instance", false, ev)), engine.Applied)
	wantTags(t, f, "alice@example.com", "AROAEXAMPLE:alice@example.com", append(parts, id)...)
}

// Only the volumes and interfaces of the launch: a volume created before it and attached at
// once, or created and attached after it, belongs to whoever made it.
func TestTagOnlyWhatTheLaunchAttached(t *testing.T) {
	f := newFleet(t)
	zone := func(id string) *string {
		out, _ := f.EC2.DescribeInstances(f.Ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		return out.Reservations[0].Instances[0].Placement.AvailabilityZone
	}
	volume := func(az *string) string {
		v, err := f.EC2.CreateVolume(f.Ctx, &ec2.CreateVolumeInput{AvailabilityZone: az, Size: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		return *v.VolumeId
	}
	attach := func(vol, id, dev string) {
		if _, err := f.EC2.AttachVolume(f.Ctx, &ec2.AttachVolumeInput{VolumeId: &vol, InstanceId: &id, Device: &dev}); err != nil {
			t.Fatal(err)
		}
	}
	before := volume(aws.String("us-east-1a"))
	const window = 2 * time.Second // moto records times to the second
	time.Sleep(window + 1500*time.Millisecond)
	id := f.Run(nil, false)
	r, at, parts := launched(t, f, id)
	if az := zone(id); *az != "us-east-1a" {
		t.Fatalf("instance in %s", *az)
	}
	attach(before, id, "/dev/sdf")
	time.Sleep(window + 1500*time.Millisecond)
	after := volume(zone(id))
	attach(after, id, "/dev/sdg")

	tag := tagWithin(t, awsapi.New(), nil, window, ownerTags)
	res := tag.Do(f.Ctx, on(id, "instance", false, runEvent(t, "ct-late", at, alice, r, id)))
	wantResult(t, res, engine.Applied, before+": does not match the call: created at", "before "+id+"'s launch", after+": does not match the call: created at", "after "+id+"'s launch")
	wantTags(t, f, "alice@example.com", "AROAEXAMPLE:alice@example.com", append(parts, id)...)
	wantUntagged(t, f, before, after)
}

// CreateVolume, CreateSnapshot and CreateImage: the genuine event tags what its call created
// (an image with its snapshots); a forged one naming someone else's tags nothing.
func TestTagVolumesSnapshotsImages(t *testing.T) {
	f := newFleet(t)
	v, err := f.EC2.CreateVolume(f.Ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.EC2.CreateSnapshot(f.Ctx, &ec2.CreateSnapshotInput{VolumeId: v.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.EC2.CreateVolume(f.Ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	inst := f.Run(nil, false)
	img, err := f.EC2.CreateImage(f.Ctx, &ec2.CreateImageInput{InstanceId: &inst, Name: aws.String("golden")})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := f.EC2.DescribeImages(f.Ctx, &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}})
	if err != nil || len(imgs.Images) != 1 || len(imgs.Images[0].BlockDeviceMappings) == 0 {
		t.Fatalf("image %v %v", imgs, err)
	}
	imgSnap := *imgs.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	vol, snap, image := *v.VolumeId, *s.SnapshotId, *img.ImageId
	created, _ := time.Parse(time.RFC3339, *imgs.Images[0].CreationDate)
	now := created
	later := created.Add(3 * time.Hour)

	volEv := func(id string, at time.Time, vol string) *event.Event {
		return ctEvent(t, id, "CreateVolume", at, mallory, `{"availabilityZone":"us-east-1a","size":1}`, fmt.Sprintf(`{"volumeId":%q,"size":1,"status":"creating"}`, vol))
	}
	snapEv := func(id string, at time.Time, vol, snap string) *event.Event {
		return ctEvent(t, id, "CreateSnapshot", at, mallory, fmt.Sprintf(`{"volumeId":%q}`, vol), fmt.Sprintf(`{"snapshotId":%q,"volumeId":%q,"status":"pending"}`, snap, vol))
	}
	imgEv := func(id string, at time.Time, image string) *event.Event {
		return ctEvent(t, id, "CreateImage", at, mallory, fmt.Sprintf(`{"instanceId":%q,"name":"golden"}`, inst), fmt.Sprintf(`{"imageId":%q}`, image))
	}
	forged := []struct {
		name   string
		kind   string
		id     string
		ev     *event.Event
		clock  time.Time
		reason string
	}{
		{"a fresh CreateVolume naming an old volume", "volume", vol, volEv("f-1", later, vol), later, vol + " was created at"},
		{"a CreateSnapshot of another volume", "snapshot", snap, snapEv("f-2", now, *other.VolumeId, snap), now, snap + " is of volume " + vol + ", the event's is " + *other.VolumeId},
		{"a fresh CreateSnapshot naming an old snapshot", "snapshot", snap, snapEv("f-3", later, vol, snap), later, snap + " was started at"},
		{"a fresh CreateImage naming an old image", "image", image, imgEv("f-4", later, image), later, image + " was created at"},
		{"an image that is not the account's", "image", "ami-0123456789abcdef0", imgEv("f-5", now, "ami-0123456789abcdef0"), now, "EC2 has no image ami-0123456789abcdef0 that is this account's"},
	}
	for _, tt := range forged {
		t.Run(tt.name, func(t *testing.T) {
			clock := tt.clock
			a := tagAction(t, awsapi.New(), func() time.Time { return clock }, ownerTags)
			wantResult(t, a.Do(f.Ctx, on(tt.id, tt.kind, false, tt.ev)), engine.Skipped, "does not match the resource: "+tt.reason)
			wantUntagged(t, f, vol, snap, image, imgSnap)
		})
	}

	a := tagAction(t, awsapi.New(), func() time.Time { return now }, ownerTags)
	wantResult(t, a.Do(f.Ctx, on(vol, "volume", false, volEv("g-1", now, vol))), engine.Applied, vol)
	wantResult(t, a.Do(f.Ctx, on(snap, "snapshot", false, snapEv("g-2", now, vol, snap))), engine.Applied, snap)
	wantResult(t, a.Do(f.Ctx, on(image, "image", false, imgEv("g-3", now, image))), engine.Applied, image, imgSnap)
	wantTags(t, f, "mallory", "AIDAMALLORY", vol, snap, image, imgSnap)
	wantUntagged(t, f, *other.VolumeId)
}

// A resource whose tags already name someone else is left alone: alice's event does not add
// her PrincipalId beside bob's Owner. Tags that agree with the caller are completed; overwrite
// replaces them.
func TestTagNeverTakesOverAnOwner(t *testing.T) {
	f := newFleet(t)
	bobs := f.RunMany(1, map[string]string{"Owner": "bob"})[0]
	r, at, parts := launched(t, f, bobs)
	tag := tagAction(t, awsapi.New(), nil, ownerTags)
	ev := runEvent(t, "ct-owner", at, alice, r, bobs)
	res := tag.Do(f.Ctx, on(bobs, "instance", false, ev))
	wantResult(t, res, engine.Applied, bobs+`: it has Owner="bob" (the caller's: "alice@example.com") already: left as it is`)
	if got := f.Tags(bobs); got["PrincipalId"] != "" || got["Owner"] != "bob" {
		t.Fatalf("bob's instance: %v", got)
	}
	wantTags(t, f, "alice@example.com", "AROAEXAMPLE:alice@example.com", parts...) // what the launch created, untagged, is alice's

	alices := f.RunMany(1, map[string]string{"Owner": "alice@example.com"})[0]
	r, at, _ = launched(t, f, alices)
	ev = runEvent(t, "ct-owner-2", at, alice, r, alices)
	wantResult(t, tag.Do(f.Ctx, on(alices, "instance", false, ev)), engine.Applied)
	wantTags(t, f, "alice@example.com", "AROAEXAMPLE:alice@example.com", alices)

	over := tagAction(t, awsapi.New(), nil, map[string]any{"overwrite": true, "tags": ownerTags["tags"]})
	wantResult(t, over.Do(f.Ctx, on(bobs, "instance", false, runEvent(t, "ct-owner-3", at, alice, r, bobs))), engine.Skipped)
	r, at, _ = launched(t, f, bobs)
	wantResult(t, over.Do(f.Ctx, on(bobs, "instance", false, runEvent(t, "ct-owner-4", at, alice, r, bobs))), engine.Applied)
	wantTags(t, f, "alice@example.com", "AROAEXAMPLE:alice@example.com", bobs)
}

// Identity values are written verbatim where EC2 takes them (a session name's comma is kept),
// and one EC2 cannot hold exactly is not written at all, with a record saying so.
func TestTagIdentityVerbatim(t *testing.T) {
	f := newFleet(t)
	tag := tagAction(t, awsapi.New(), nil, ownerTags)
	id := f.Run(nil, false)
	r, at, _ := launched(t, f, id)
	smith := `{"type":"AssumedRole","principalId":"AROAEXAMPLE:smith,john","arn":"arn:aws:sts::123456789012:assumed-role/Dev/smith,john","sessionContext":{"sessionIssuer":{"userName":"Dev"}}}`
	wantResult(t, tag.Do(f.Ctx, on(id, "instance", false, runEvent(t, "ct-smith", at, smith, r, id))), engine.Applied)
	wantTags(t, f, "smith,john", "AROAEXAMPLE:smith,john", id)

	long := f.Run(nil, false)
	r, at, _ = launched(t, f, long)
	name := strings.Repeat("ü", 300)
	web := fmt.Sprintf(`{"type":"WebIdentityUser","principalId":"accounts.example.com:%s","userName":"carol"}`, name)
	res := tag.Do(f.Ctx, on(long, "instance", false, runEvent(t, "ct-long", at, web, r, long)))
	wantResult(t, res, engine.Applied, "PrincipalId not written: the caller's value", "is 321 characters long, and EC2 takes at most 256")
	if got := f.Tags(long); got["Owner"] != "carol" || got["PrincipalId"] != "" {
		t.Fatalf("tags %v: want Owner and no PrincipalId", got)
	}

	// A value empty for this caller is not written either, and said so.
	bare := f.Run(nil, false)
	r, at, _ = launched(t, f, bare)
	session := tagAction(t, awsapi.New(), nil, map[string]any{"tags": map[string]any{"Owner": "{{.UserName}}", "Session": "{{.SessionName}}"}})
	wantResult(t, session.Do(f.Ctx, on(bare, "instance", false, runEvent(t, "ct-bare", at, mallory, r, bare))), engine.Applied, "Session not written: its value is empty for this caller")
	if got := f.Tags(bare); got["Owner"] != "mallory" || len(got) != 1 {
		t.Fatalf("tags %v: want Owner only", got)
	}
}

// A key added between the read and the write: under a role that may only add absent keys, IAM
// refuses that call (the fault proxy plays IAM here: moto evaluates no conditions), and the
// record says the resource has the key, rather than failing or overwriting it.
func TestTagKeyAddedSinceRead(t *testing.T) {
	f := newFleet(t)
	fleet := f.RunMany(2, nil)
	a, b := fleet[0], fleet[1]
	r, at, _ := launched(t, f, a)
	_, _, bParts := launched(t, f, b)
	proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 1,
		faultproxy.Rule{Service: "ec2", Operation: "CreateTags", Match: b, Rate: 1, Faults: []faultproxy.Fault{faultproxy.Denied}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	tag := tagAction(t, awsapi.New(), nil, map[string]any{"tags": map[string]any{"PrincipalId": "{{.PrincipalID}}"}})
	ev := runEvent(t, "ct-race", at, alice, r, a, b)
	wantResult(t, tag.Do(f.Ctx, on(a, "instance", false, ev)), engine.Applied) // reads a and b
	if _, err := f.EC2.CreateTags(f.Ctx, &ec2.CreateTagsInput{Resources: []string{b}, Tags: []ec2types.Tag{{Key: aws.String("PrincipalId"), Value: aws.String("AIDABOB")}}}); err != nil {
		t.Fatal(err)
	}
	wantResult(t, tag.Do(f.Ctx, on(b, "instance", false, ev)), engine.Applied, b+": the resource has PrincipalId already (added since it was read): not overwritten")
	if got := f.Tags(b)["PrincipalId"]; got != "AIDABOB" {
		t.Fatalf("b's PrincipalId = %q", got)
	}
	for _, p := range bParts {
		if got := f.Tags(p)["PrincipalId"]; got != "AROAEXAMPLE:alice@example.com" {
			t.Errorf("%s PrincipalId = %q", p, got)
		}
	}
}

// A call that changed a resource, not created it, makes its caller no owner: a fresh
// AttachVolume or ModifyInstanceAttribute tags nothing, before anything is read.
func TestTagOnlyWhatACallCreated(t *testing.T) {
	now := time.Now()
	a := tagAction(t, nil, func() time.Time { return now }, ownerTags)
	attach := ctEvent(t, "c-1", "AttachVolume", now, mallory, `{"volumeId":"vol-0123","instanceId":"i-0123","device":"/dev/sdf"}`, `{"volumeId":"vol-0123","status":"attaching"}`)
	wantResult(t, a.Do(context.Background(), on("vol-0123", "volume", false, attach)), engine.Skipped, "refused: AttachVolume did not create volume vol-0123")
	modify := ctEvent(t, "c-2", "ModifyInstanceAttribute", now, mallory, `{"instanceId":"i-0123","disableApiStop":{"value":false}}`, `{"_return":true}`)
	wantResult(t, a.Do(context.Background(), on("i-0123", "instance", false, modify)), engine.Skipped, "refused: ModifyInstanceAttribute did not create instance i-0123")
}
