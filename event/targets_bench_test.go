package event

import (
	"os"
	"testing"
)

// BenchmarkTargets: what one matched event costs to read its targets from.
func BenchmarkTargets(b *testing.B) {
	hub, err := os.ReadFile("../examples/events/securityhub-finding.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, src string }{
		{"AuthorizeSecurityGroupIngress", ctEvent("AuthorizeSecurityGroupIngress", `{"groupId":"sg-0aaaaaaaaaaaaaaa1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}`,
			`{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0aaaaaaaaaaaaaaa1","securityGroupRuleId":"sgr-01"}]}}`)},
		{"RunInstances", ctEvent("RunInstances", `{"instanceType":"t3.micro"}`, `{"reservationId":"r-1","instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}`)},
		{"SecurityHubFinding", string(hub)},
	} {
		e, err := Parse([]byte(bc.src))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ts, _, err := Targets(e); err != nil || len(ts) == 0 {
					b.Fatal(ts, err)
				}
			}
		})
	}
}
