package cli

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/controls"
)

// scan --controls all on moto judges every volume by EC2G-IDLE-3: one attached to nothing
// fails, an instance's root volume and one attached to it pass, and a volume is an error
// under no control.
func TestScanControlsAllJudgesUnattachedVolumes(t *testing.T) {
	w := newWorld(t)
	inst := w.Run(nil, false)
	made := func() string {
		v, err := w.EC2.CreateVolume(w.Ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(w.Cfg.Region + "a"), Size: aws.Int32(8)})
		if err != nil {
			t.Fatal(err)
		}
		return *v.VolumeId
	}
	free, attached := made(), made()
	if _, err := w.EC2.AttachVolume(w.Ctx, &ec2.AttachVolumeInput{VolumeId: &attached, InstanceId: &inst, Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	roots := w.Volumes(inst)
	got := controlRecords(t, "all")
	want := map[string]controls.Status{"EC2G-IDLE-3 " + free: controls.Fail, "EC2G-IDLE-3 " + attached: controls.Pass}
	for _, v := range roots {
		want["EC2G-IDLE-3 "+v] = controls.Pass
	}
	for key, st := range want {
		if rec, ok := got[key]; !ok || rec.Status != st || rec.Kind != "volume" {
			t.Errorf("%s: %+v, want %s", key, rec, st)
		}
	}
	if rec := got["EC2G-IDLE-3 "+free]; rec.Severity != controls.Low || rec.Reason == "" {
		t.Errorf("the free volume's record: %+v", rec)
	}
	for key, rec := range got {
		if rec.Kind == "volume" && rec.Status == controls.Error {
			t.Errorf("%s: %+v", key, rec)
		}
	}
}
