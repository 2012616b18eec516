package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// fakeLister lists two resources of each kind in each place and counts the places being
// listed at once.
type fakeLister struct {
	mu          sync.Mutex
	busy, most  int
	needs       map[resource.Kind]resource.Needs
	failAt      resource.Place
	listedKinds []resource.Kind
}

func (l *fakeLister) OwnAccount(context.Context) (string, error) { return "111122223333", nil }

func (l *fakeLister) List(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs, fn func(*resource.Resource) error) error {
	l.mu.Lock()
	l.busy++
	l.most = max(l.most, l.busy)
	l.needs[kind] = needs
	l.listedKinds = append(l.listedKinds, kind)
	l.mu.Unlock()
	defer func() { l.mu.Lock(); l.busy--; l.mu.Unlock() }()
	time.Sleep(2 * time.Millisecond) // let the places overlap
	if at == l.failAt {
		return errors.New("throttled for good")
	}
	for i := range 2 {
		if err := fn(&resource.Resource{Ref: resource.Ref{Kind: kind, ID: fmt.Sprint(kind, "-", i), Place: at}, Exists: true, Read: needs}); err != nil {
			return err
		}
	}
	return nil
}

type fakeJudge struct {
	judged []resource.Ref
}

func (j *fakeJudge) ScanKinds() []resource.Kind {
	return []resource.Kind{resource.Instance, resource.Volume}
}
func (j *fakeJudge) ScanNeeds(k resource.Kind) resource.Needs {
	if k == resource.Instance {
		return resource.NeedDescribe | resource.NeedExposure
	}
	return resource.NeedDescribe
}
func (j *fakeJudge) Judge(_ context.Context, run string, res *engine.Resource) []engine.Decision {
	j.judged = append(j.judged, res.Ref) // unguarded: the scanner must call it one at a time
	if res.Kind == resource.Volume {
		return []engine.Decision{{Resource: res.ID, Outcome: engine.Skipped, Reason: "no rule matched"}}
	}
	return []engine.Decision{{Rule: "r", Resource: res.ID, Outcome: engine.DryRun}}
}

func TestScannerEveryPlaceAndKind(t *testing.T) {
	l := &fakeLister{needs: map[resource.Kind]resource.Needs{}}
	j := &fakeJudge{}
	var progress bytes.Buffer
	sc := &Scanner{Lister: l, Engine: j, Regions: []string{"us-east-1", "eu-west-1", "ap-south-1"}, Accounts: []string{"1", "2", "3"}, Parallel: 2, Progress: &progress}
	records := 0
	st, err := sc.Run(context.Background(), func(ds []engine.Decision) error { records += len(ds); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Places) != 9 || st.Listed[resource.Instance] != 18 || st.Listed[resource.Volume] != 18 || st.Judged != 18 || records != 36 || len(j.judged) != 36 {
		t.Fatalf("stats %+v, %d records, %d judged", st, records, len(j.judged))
	}
	if l.most > 2 || l.most < 2 {
		t.Errorf("%d places listed at once, want the bound, 2", l.most)
	}
	if l.needs[resource.Instance] != resource.NeedDescribe|resource.NeedExposure || l.needs[resource.Volume] != resource.NeedDescribe {
		t.Errorf("needs passed to List: %v", l.needs)
	}
	if !strings.Contains(progress.String(), "\rec2guard: scan: 9 of 9 places, 36 resources") || !strings.HasSuffix(progress.String(), "\r\033[K") {
		t.Errorf("progress %q", progress.String())
	}
}

func TestScannerOwnAccountAndErrors(t *testing.T) {
	l := &fakeLister{needs: map[resource.Kind]resource.Needs{}, failAt: resource.Place{Account: "111122223333", Region: "eu-west-1"}}
	sc := &Scanner{Lister: l, Engine: &fakeJudge{}, Regions: []string{"us-east-1", "eu-west-1"}}
	st, err := sc.Run(context.Background(), func([]engine.Decision) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "scanning account 111122223333 in eu-west-1: throttled for good") {
		t.Fatalf("err %v", err)
	}
	if st.Places[0].Account != "111122223333" {
		t.Errorf("places %v: the credentials' account is not named", st.Places)
	}
	stop := errors.New("stdout closed")
	sc = &Scanner{Lister: &fakeLister{needs: map[resource.Kind]resource.Needs{}}, Engine: &fakeJudge{}, Regions: []string{"us-east-1"}}
	if _, err := sc.Run(context.Background(), func([]engine.Decision) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("emit error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sc.Run(ctx, func([]engine.Decision) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
