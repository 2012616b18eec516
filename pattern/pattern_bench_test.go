package pattern

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ec2guard/ec2guard/internal/benchdata"
)

// The data set is made once, deterministically, and shared by every benchmark.
var (
	benchOnce sync.Once
	cityLots  [][]byte
	ec2Events [][]byte
)

func benchData() {
	benchOnce.Do(func() {
		cityLots = benchdata.CityLots(10000, 42)
		ec2Events = benchdata.EC2Events(10000, 42)
	})
}

func compileAll(b *testing.B, srcs []string) *Matcher {
	b.Helper()
	ps := make([]*Pattern, len(srcs))
	for i, s := range srcs {
		p, err := Parse([]byte(s))
		if err != nil {
			b.Fatalf("%s: %v", s, err)
		}
		ps[i] = p
	}
	m, err := Compile(ps)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// runMatch matches the events in a loop and reports events/s; it fails on allocation.
func runMatch(b *testing.B, m *Matcher, events [][]byte) {
	b.Helper()
	dst := make([]int, 0, 1024)
	matched := 0
	bytes := 0
	for _, e := range events {
		bytes += len(e)
		got, err := m.Match(e, dst[:0])
		if err != nil {
			b.Fatal(err)
		}
		matched += len(got)
	}
	if matched == 0 {
		b.Fatal("no event matched: the benchmark measures nothing")
	}
	b.SetBytes(int64(bytes / len(events)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		dst, err = m.Match(events[i%len(events)], dst[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func fivePatterns(format string) []string {
	out := make([]string, 5)
	for i := range out {
		out[i] = fmt.Sprintf(format, benchdata.Streets[i])
	}
	return out
}

func BenchmarkCityLotsExact(b *testing.B) {
	benchData()
	runMatch(b, compileAll(b, fivePatterns(`{"properties":{"STREET":[%q]}}`)), cityLots)
}

func BenchmarkCityLotsPrefix(b *testing.B) {
	benchData()
	srcs := fivePatterns(`{"properties":{"STREET":[{"prefix":%q}]}}`)
	for i := range srcs {
		srcs[i] = fmt.Sprintf(`{"properties":{"STREET":[{"prefix":%q}]}}`, benchdata.Streets[i][:3])
	}
	runMatch(b, compileAll(b, srcs), cityLots)
}

func BenchmarkCityLotsSuffix(b *testing.B) {
	benchData()
	srcs := make([]string, 5)
	for i := range srcs {
		s := benchdata.Streets[i]
		srcs[i] = fmt.Sprintf(`{"properties":{"STREET":[{"suffix":%q}]}}`, s[len(s)-3:])
	}
	runMatch(b, compileAll(b, srcs), cityLots)
}

func BenchmarkCityLotsEqualsIgnoreCase(b *testing.B) {
	benchData()
	srcs := make([]string, 5)
	for i := range srcs {
		srcs[i] = fmt.Sprintf(`{"properties":{"STREET":[{"equals-ignore-case":%q}]}}`, "x"+benchdata.Streets[i][1:])
	}
	srcs[0] = `{"properties":{"STREET":[{"equals-ignore-case":"cranleigh"}]}}`
	runMatch(b, compileAll(b, srcs), cityLots)
}

func BenchmarkCityLotsAnythingBut(b *testing.B) {
	benchData()
	runMatch(b, compileAll(b, fivePatterns(`{"properties":{"STREET":[{"anything-but":[%q,"LINCOLN"]}]}}`)), cityLots)
}

func BenchmarkCityLotsWildcard(b *testing.B) {
	benchData()
	srcs := make([]string, 5)
	for i := range srcs {
		s := benchdata.Streets[i]
		srcs[i] = fmt.Sprintf(`{"properties":{"STREET":[{"wildcard":"%s*%s"}]}}`, s[:1], s[len(s)-2:])
	}
	runMatch(b, compileAll(b, srcs), cityLots)
}

func BenchmarkCityLotsNumeric(b *testing.B) {
	benchData()
	srcs := make([]string, 5)
	for i := range srcs {
		srcs[i] = fmt.Sprintf(`{"properties":{"AREA":[{"numeric":[">=",%d,"<",%d]}]}}`, i*1000, i*1000+500)
	}
	runMatch(b, compileAll(b, srcs), cityLots)
}

// ec2Rules returns n distinct rules over EC2 events; rule 0 is the seed's stop protection.
func ec2Rules(n int) []string {
	srcs := []string{`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["stopped"]}}`}
	for i := 1; i < n; i++ {
		switch i % 4 {
		case 0:
			srcs = append(srcs, fmt.Sprintf(`{"source":["aws.ec2"],"detail":{"instance-id":["i-%017x"]}}`, i))
		case 1:
			srcs = append(srcs, fmt.Sprintf(`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["Call%d"],"userIdentity":{"type":["IAMUser"]}}}`, i))
		case 2:
			srcs = append(srcs, fmt.Sprintf(`{"source":["aws.ec2"],"region":["region-%d"],"detail":{"state":["running"]}}`, i))
		case 3:
			srcs = append(srcs, fmt.Sprintf(`{"account":["%012d"],"detail":{"eventName":[{"prefix":"Run%d"}]}}`, i, i))
		}
	}
	return srcs
}

func BenchmarkEC2Rules1(b *testing.B) {
	benchData()
	runMatch(b, compileAll(b, ec2Rules(1)), ec2Events)
}

func BenchmarkEC2Rules1000(b *testing.B) {
	benchData()
	runMatch(b, compileAll(b, ec2Rules(1000)), ec2Events)
}

func BenchmarkParse(b *testing.B) {
	src := []byte(`{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["RunInstances","CreateVolume"],"errorCode":[{"exists":false}],"userIdentity":{"type":[{"anything-but":"AWSService"}]}}}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}
