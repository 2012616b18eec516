package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The packages that decide — what a rule file says, what an event concerns, what a control
// judges, what an action may do and needs of IAM — never reach AWS: validate, the loop check
// and deploy's policies are computed from them alone, and their tests need no AWS. Only
// awsapi imports the SDK; only act, engine's callers and the CLI import awsapi.
var pure = []string{"actions", "controls", "event", "pattern", "resource", "rules", "severity"}

func TestDecidingPackagesReachNoAWS(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found on PATH: %v", err)
	}
	for _, p := range pure {
		pkg := "github.com/ec2guard/ec2guard/" + p
		out, err := exec.Command(goBin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/aws/") || dep == "github.com/ec2guard/ec2guard/awsapi" || dep == "github.com/ec2guard/ec2guard/act" {
				t.Errorf("%s depends on %s", p, dep)
			}
		}
	}
}
