package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/engine"
)

// moto stamps an instance's stop and a volume's creation with the real clock: ec2guard's
// clock runs 31 days ahead, so a stop now is older than EC2.4's 30 days and a volume made now
// older than the example's min-age.
const monthAhead = 744 * time.Hour

// monthAndGraceAhead is monthAhead and the example's grace of 7 days, and a day.
const monthAndGraceAhead = 936 * time.Hour

// destroyWorld is moto with what examples/destroy.yaml acts on.
type destroyWorld struct {
	*world
	stopped, protected, kept, backedUp string // instances: stopped; stopped and termination-protected; stopped and tagged keep; running, tagged backup=once
	free, bound                        string // Elastic IPs: associated with nothing, and with backedUp
	volume                             string // attached to nothing
}

func newDestroyWorld(t *testing.T) *destroyWorld {
	setClockAhead(t, monthAhead)
	w := &destroyWorld{world: newWorld(t)}
	ctx := w.Ctx
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.stopped, w.protected = w.Run(nil, true), w.Run(nil, true)
	w.kept = w.Run(map[string]string{"keep": "yes"}, true)
	w.backedUp = w.Run(map[string]string{"backup": "once"}, false)
	_, err := w.EC2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &w.protected, DisableApiTermination: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(err)
	alloc := func() string {
		a, err := w.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
		must(err)
		return *a.AllocationId
	}
	w.free, w.bound = alloc(), alloc()
	_, err = w.EC2.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &w.bound, InstanceId: &w.backedUp})
	must(err)
	v, err := w.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(w.Cfg.Region + "a"), Size: aws.Int32(8)})
	must(err)
	w.volume = *v.VolumeId
	return w
}

// From scan to enforce with examples/destroy.yaml on moto through the real SDK: EC2.4 fails
// the stopped instances and EC2.12 the free address; the dry run says what each rule would
// destroy and moto stays as it was; enforced, the stopped instance is terminated after its
// volumes are snapshotted, the termination-protected one is refused and still stopped, the one
// tagged keep is excepted, the backup=once instance's volumes are snapshotted, tagged with
// rule and source; the free address and the unattached volume are pending through their grace
// of 7 days, after which the address is released (the associated one kept) and the volume
// deleted, leaving a snapshot; EC2.4 and EC2.12 then pass those fixed, and a
// scan again destroys nothing.
func TestDestroyFromScanToEnforce(t *testing.T) {
	w := newDestroyWorld(t)
	example := filepath.Join("..", "examples", "destroy.yaml")
	if code, out, errOut := runCLI(t, "", "validate", "-r", example); code != 0 {
		t.Fatalf("validate %s: exit %d\n%s%s", example, code, out, errOut)
	}
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	scanControls := func() map[string]controls.Record { return controlRecords(t, "EC2.4,EC2.12") }
	before := scanControls()
	for _, key := range []string{"EC2G-IDLE-1 " + w.stopped, "EC2G-IDLE-1 " + w.protected, "EC2G-IDLE-2 " + w.free} {
		if before[key].Status != controls.Fail {
			t.Fatalf("before: %s is %+v, want fail", key, before[key])
		}
	}
	stoppedVols, backedUpVols := w.Volumes(w.stopped), w.Volumes(w.backedUp)

	was := w.Inventory()
	dry := actedOn(t, example)
	wantDry := map[string]string{
		"EC2.4 " + w.stopped:                "would snapshot " + strings.Join(stoppedVols, ", ") + " of " + w.stopped + " (tagged ec2guard:rule=EC2.4 and the source), then terminate " + w.stopped + " (stopped)",
		"backup-once " + w.backedUp:         "would snapshot " + strings.Join(backedUpVols, ", ") + " of " + w.backedUp,
		"EC2.4 " + w.protected + " refused": "has termination protection (DisableApiTermination): not terminated; force: true turns it off first",
	}
	checkDry := func(dry map[string]engine.Decision, want map[string]string) {
		t.Helper()
		for key, want := range want {
			key, refused := strings.CutSuffix(key, " refused")
			d := dry[key]
			if !strings.HasPrefix(d.Reason, want) && !(refused && strings.Contains(d.Reason, want)) || (d.Outcome == engine.DryRun) == refused {
				t.Errorf("dry run of %s: %s %q, want %q", key, d.Outcome, d.Reason, want)
			}
		}
	}
	checkDry(dry, wantDry)
	graced := []string{"EC2.12 " + w.free, "unattached-volumes " + w.volume} // grace: 7d
	for _, key := range graced {
		if d := dry[key]; d.Outcome != engine.Pending || !strings.Contains(d.Reason, "not written") {
			t.Errorf("dry run of %s within its grace: %+v, want pending", key, d)
		}
	}
	if d, ok := dry["EC2.4 "+w.kept]; ok && d.Outcome != engine.Skipped {
		t.Errorf("the instance tagged keep: %+v", d)
	}
	if now := w.Inventory(); now != was {
		t.Fatalf("the dry run changed moto:\n%s\n%s", was, now)
	}

	enforced := writeFile(t, t.TempDir(), "destroy.yaml", strings.ReplaceAll(string(src), "    actions:", "    mode: enforce\n    actions:"))
	done := actedOn(t, enforced)
	for _, key := range []string{"EC2.4 " + w.stopped, "backup-once " + w.backedUp} {
		if d := done[key]; d.Outcome != engine.Applied {
			t.Errorf("enforced %s: %+v", key, d)
		} else {
			t.Logf("%s: %s", key, d.Reason)
		}
	}
	for _, key := range graced {
		if d := done[key]; d.Outcome != engine.Pending {
			t.Errorf("enforced %s within its grace: %+v, want pending", key, d)
		}
	}
	if _, err := w.EC2.DescribeVolumes(w.Ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{w.volume}}); err != nil {
		t.Errorf("%s deleted within its grace: %v", w.volume, err)
	}
	// once due, a dry run says what the graced rules would destroy, and destroys nothing
	setClockAhead(t, monthAndGraceAhead)
	was = w.Inventory()
	checkDry(actedOn(t, enforced, "--dry-run"), map[string]string{
		"EC2.12 " + w.free:               "would release ",
		"unattached-volumes " + w.volume: "would snapshot " + w.volume + " (tagged ec2guard:rule=unattached-volumes and the source), then delete " + w.volume + " (available, 8 GiB)",
	})
	if now := w.Inventory(); now != was {
		t.Fatalf("the dry run once due changed moto:\n%s\n%s", was, now)
	}
	done = actedOn(t, enforced)
	for _, key := range graced {
		if d := done[key]; d.Outcome != engine.Applied {
			t.Errorf("enforced %s once due: %+v", key, d)
		} else {
			t.Logf("%s: %s", key, d.Reason)
		}
	}
	if d := done["EC2.4 "+w.protected]; d.Outcome != engine.Skipped {
		t.Errorf("the protected instance: %+v", d)
	}
	for id, want := range map[string]string{w.stopped: "terminated", w.protected: "stopped", w.kept: "stopped", w.backedUp: "running"} {
		if st := w.State(id); st != want && !(want == "terminated" && st == "shutting-down") {
			t.Errorf("%s is %s, want %s", id, st, want)
		}
	}
	wantSnaps := map[string][]string{"EC2.4": nil, "unattached-volumes": {w.volume}, "backup-once": nil}
	for _, v := range stoppedVols {
		wantSnaps["EC2.4"] = append(wantSnaps["EC2.4"], v+" "+w.stopped)
	}
	for _, v := range backedUpVols {
		wantSnaps["backup-once"] = append(wantSnaps["backup-once"], v+" "+w.backedUp)
	}
	for rule, want := range wantSnaps {
		if got := w.SnapshotSources(awsapi.SnapshotRuleTag, rule, awsapi.SnapshotVolumeTag, awsapi.SnapshotInstanceTag); !slices.Equal(got, want) {
			t.Errorf("the snapshots of rule %s: %v, want %v", rule, got, want)
		}
	}
	addrs, err := w.EC2.DescribeAddresses(w.Ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs.Addresses) != 1 || *addrs.Addresses[0].AllocationId != w.bound {
		t.Errorf("the addresses after: %+v, want %s alone", addrs.Addresses, w.bound)
	}
	if _, err := w.EC2.DescribeVolumes(w.Ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{w.volume}}); err == nil {
		t.Errorf("%s still exists", w.volume)
	}

	after := scanControls()
	for _, key := range []string{"EC2G-IDLE-1 " + w.stopped, "EC2G-IDLE-2 " + w.free} {
		if rec, ok := after[key]; ok && rec.Status != controls.Pass { // gone: a scan lists no terminated instance, no released address
			t.Errorf("after: %s is %+v", key, rec)
		}
	}
	if rec := after["EC2G-IDLE-2 "+w.bound]; rec.Status != controls.Pass {
		t.Errorf("after: the associated address: %+v", rec)
	}
	if rec := after["EC2G-IDLE-1 "+w.protected]; rec.Status != controls.Fail {
		t.Errorf("after: the refused instance: %+v, want it still failing", rec)
	}
	for key, d := range actedOn(t, enforced) {
		if d.Outcome == engine.Applied {
			t.Errorf("a scan after the fix acts: %s %+v", key, d)
		}
	}
}

// The blast radius of a destroying rule: a scan of EC2.4 with terminate over 5 instances
// stopped for over 30 days. The dry run first destroys nothing and says so of each; enforced
// with --max-actions 2, exactly 2 are terminated and the 3 others recorded held back, still
// stopped.
func TestDestroyBlastRadius(t *testing.T) {
	setClockAhead(t, monthAhead)
	w := newWorld(t)
	fleet := w.RunMany(5, nil)
	for _, id := range fleet {
		w.Stop(id)
	}
	const rule = "rules:\n  - control: EC2.4\n    confirm-destroy: true\n    actions: [terminate]\n"
	dir := t.TempDir()
	was := w.Inventory()
	dry := actedOn(t, writeFile(t, dir, "dry.yaml", rule), "--max-actions", "2")
	for _, id := range fleet {
		if d := dry["EC2.4 "+id]; d.Outcome != engine.DryRun {
			t.Errorf("dry run of %s: %+v", id, d)
		}
	}
	if now := w.Inventory(); now != was {
		t.Fatalf("the dry run changed moto:\n%s\n%s", was, now)
	}
	done := actedOn(t, writeFile(t, dir, "enforce.yaml", strings.Replace(rule, "    actions:", "    mode: enforce\n    actions:", 1)), "--max-actions", "2")
	var terminated, held int
	for _, id := range fleet {
		d := done["EC2.4 "+id]
		st := w.State(id)
		switch {
		case d.Outcome == engine.Applied && (st == "terminated" || st == "shutting-down"):
			terminated++
		case d.Outcome == engine.Suppressed && strings.Contains(d.Reason, "blast radius") && st == "stopped":
			held++
		default:
			t.Errorf("%s is %s after %+v", id, st, d)
		}
	}
	if terminated != 2 || held != 3 {
		t.Errorf("%d terminated, %d held back; want 2 and 3", terminated, held)
	}
}

// deploy template of examples/destroy.yaml: cfn-lint clean; the role may terminate, delete
// volumes and release addresses, and tag only the snapshots it makes as it makes them
// (ec2:CreateAction). EC2.4's terminate is granted on every instance (a control entry has no
// tag filter to narrow it), which iam check reports (IAM-EC2-1, and nothing else) until its
// configuration says the role is meant to: the exclusion, with its reason, is the operator's
// acknowledgement that this role destroys.
func TestDestroyDeploy(t *testing.T) {
	example := filepath.Join("..", "examples", "destroy.yaml")
	config := writeFile(t, t.TempDir(), "iam.yaml",
		"exclude:\n  - check: IAM-EC2-1\n    principal: FunctionRole\n    reason: terminates instances stopped past EC2.4's days, by design\n")
	file := deployLintCheck(t, example, config, "ec2:TerminateInstances", "ec2:DeleteVolume", "ec2:ReleaseAddress", "ec2:CreateSnapshot",
		"elastic-ip/*", "ec2:CreateAction: CreateSnapshot")
	iamFindsOnly(t, file, "IAM-EC2-1")
}

// setClockAhead moves the commands' clock ahead for the rest of the test (clockAhead).
func setClockAhead(t *testing.T, d time.Duration) {
	t.Helper()
	was := clockAhead
	clockAhead = d
	t.Cleanup(func() { clockAhead = was })
}
