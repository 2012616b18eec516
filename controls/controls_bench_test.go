package controls

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// inventory is n resources of every kind the controls judge, half of them failing
// something, as a scan's reads give them.
func inventory(n int) []*resource.Resource {
	out := make([]*resource.Resource, 0, n)
	for i := 0; len(out) < n; i++ {
		odd := i%2 == 1
		tokens := "required"
		if odd {
			tokens = "optional"
		}
		open := "10.0.0.0/8"
		if odd {
			open = "0.0.0.0/0"
		}
		group := map[string]any{"GroupId": fmt.Sprintf("sg-%d", i), "GroupName": "web", "IsDefault": i%10 == 0,
			"IpPermissions":       []any{perm("tcp", 443, 443, "0.0.0.0/0"), perm("tcp", 22, 22, open)},
			"IpPermissionsEgress": []any{perm("-1", 0, 0, "0.0.0.0/0")}}
		ud := "#!/bin/bash\nyum -y install httpd\nsystemctl start httpd\n"
		if i%7 == 0 {
			ud += "export DB_PASSWORD=Zx9mQ2vLq\n"
		}
		in := inst(resource.Running, map[string]any{
			"InstanceId": fmt.Sprintf("i-%d", i), "MetadataOptions": map[string]any{"HttpTokens": tokens, "HttpEndpoint": "enabled"},
			"PublicIpAddress": "198.51.100.7", "UserData": ud, "StateTransitionTime": now.Add(-time.Hour),
			"Exposure": map[string]any{"Subnet": map[string]any{"RoutesToInternetGateway": odd}, "SecurityGroups": []any{group}},
		})
		if i%5 == 0 {
			in.State = resource.Stopped
			in.Attrs["StateTransitionTime"] = now.Add(-60 * 24 * time.Hour)
		}
		out = append(out, in,
			res(resource.SecurityGroup, group),
			res(resource.Volume, map[string]any{"State": "in-use", "Encrypted": !odd}),
			res(resource.Snapshot, map[string]any{"Encrypted": !odd, "Public": i%9 == 0}),
			res(resource.Image, map[string]any{"Public": i%11 == 0}),
			res(resource.Address, map[string]any{"AllocationId": "eipalloc-1", "AssociationId": map[bool]any{true: "eipassoc-1"}[odd]}),
			template(map[string]any{"MetadataOptions": map[string]any{"HttpTokens": tokens}, "UserData": ud,
				"NetworkInterfaces":   []any{map[string]any{"AssociatePublicIpAddress": odd}},
				"BlockDeviceMappings": []any{map[string]any{"Ebs": map[string]any{"Encrypted": !odd}}}}),
			res(resource.Subnet, map[string]any{"MapPublicIpOnLaunch": odd, "AssignIpv6AddressOnCreation": false}),
			res(resource.NetworkACL, map[string]any{"IsDefault": false, "Entries": []any{
				map[string]any{"RuleNumber": 100.0, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": open, "PortRange": map[string]any{"From": 22.0, "To": 22.0}},
				map[string]any{"RuleNumber": 32767.0, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"}}}),
			account(map[string]any{"EbsEncryptionByDefault": odd, "SnapshotBlockPublicAccessState": "unblocked",
				"ImageBlockPublicAccessState": "block-new-sharing", "InstanceMetadataDefaults": map[string]any{"HttpTokens": tokens}}),
		)
	}
	return out[:n]
}

// BenchmarkControls evaluates every control over an inventory of 100k resources, each
// resource by the controls of its kind: evals/s counts (control, resource) evaluations.
func BenchmarkControls(b *testing.B) {
	inv := inventory(100_000)
	byKind := map[resource.Kind][]*Check{}
	for _, c := range All() {
		byKind[c.Kind] = append(byKind[c.Kind], c.MustCompile())
	}
	evals, fails := 0, 0
	cpu0 := cpuTime()
	for b.Loop() {
		for _, r := range inv {
			for _, k := range byKind[r.Kind] {
				if k.Evaluate(r, now).Status == Fail {
					fails++
				}
				evals++
			}
		}
	}
	// wall clock, and per CPU second of the process (the machine is shared: wall time
	// counts the others' work too)
	b.ReportMetric(float64(evals)/b.Elapsed().Seconds(), "evals/s")
	b.ReportMetric(float64(evals)/(cpuTime()-cpu0).Seconds(), "evals/cpu-s")
	b.ReportMetric(float64(fails)/float64(evals), "fail-ratio")
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
