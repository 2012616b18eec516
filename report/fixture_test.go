package report

import (
	"encoding/json"
	"fmt"
	"time"
)

// fleet makes n control records over a few accounts, regions, owners and controls, about a
// quarter failing, and decisions over 30 days: the report's load, deterministic.
func fleet(n int) Input {
	controls := []struct{ id, sh, sev, title, why, action string }{
		{"EC2G-NET-2", "EC2.13", "high", "Security groups should not allow ingress from 0.0.0.0/0 to port 22", "port 22 open to 0.0.0.0/0 in sg-0abc (entry 2)", "revoke-ingress"},
		{"EC2G-ENC-1", "EC2.3", "medium", "Attached EBS volumes should be encrypted at rest", "the volume is not encrypted", "snapshot"},
		{"EC2G-IMDS-1", "EC2.8", "high", "EC2 instances should use IMDSv2", "HttpTokens is optional", "require-imdsv2"},
		{"EC2G-PUB-1", "EC2.1", "critical", "EBS snapshots should not be publicly restorable", "restorable by all", "make-private"},
		{"EC2G-IDLE-1", "EC2.4", "medium", "Stopped EC2 instances should be removed after a specified time period", "stopped for 41 days (allowed 30)", "terminate"},
		{"EC2G-NET-1", "EC2.2", "high", "VPC default security groups should not allow inbound or outbound traffic", "the default group has 2 rules", "revoke-ingress"},
		{"EC2G-SECRET-1", "", "critical", "No secrets in instance user data", "an AWS secret access key on line 4", ""},
		{"EC2G-ENC-4", "", "low", "EBS snapshots should be encrypted", "the snapshot is not encrypted", ""},
	}
	accounts := []string{"111122223333", "444455556666", "777788889999"}
	regions := []string{"eu-west-1", "us-east-1", "ap-southeast-2"}
	owners := []string{"alice", "bob", "carol", "dave", ""}
	base := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	in := Input{Generated: base.Add(30 * 24 * time.Hour)}
	in.Controls = make([]Control, n)
	for i := range in.Controls {
		c := controls[i%len(controls)]
		st, reason, action, outcome := Pass, "passes", "", ""
		// A spread that does not follow the control: i*a mod a prime, folded.
		switch h := (uint64(i)*2654435761 + 7) % 1009 % 20; {
		case h < 3 && c.action != "":
			st, reason, action, outcome = Fail, c.why, c.action, "dry-run"
		case h < 5:
			st, reason = Fail, c.why
		case h == 5 && c.sev == "critical":
			st, reason = Fail, c.why
		case h == 6:
			st, reason = NotApplicable, "out of scope"
		case h == 7 && i%5 == 0:
			st, reason = Error, "DescribeInstanceAttribute: AccessDenied"
		}
		in.Controls[i] = Control{
			Time: base.Add(time.Duration(i) * time.Millisecond), Control: c.id, SecurityHub: c.sh, Severity: c.sev,
			Account: accounts[i%len(accounts)], Region: regions[(i/3)%len(regions)], Kind: "instance",
			Resource: fmt.Sprintf("i-%017x", i), Status: st, Title: c.title, Reason: reason, Action: action, Outcome: outcome,
			Owner: owners[(i/7)%len(owners)],
		}
	}
	outcomes := []string{"applied", "applied", "dry-run", "failed", "suppressed", "applied", "skipped"}
	for i := range n / 10 {
		in.Decisions = append(in.Decisions, Decision{
			Time: base.Add(time.Duration(i%30)*24*time.Hour + time.Duration(i%7)*time.Hour), Account: accounts[i%3], Region: regions[i%3],
			Rule: "stop-untagged", Resource: fmt.Sprintf("i-%017x", i), Action: "stop", Outcome: outcomes[(i+i/30)%len(outcomes)],
		})
	}
	w, _ := json.Marshal(map[string]any{"action": "ec2:TerminateInstances", "resource": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc", "decision": "allow"})
	for i := range 40 {
		f := IAMFinding{ID: fmt.Sprintf("IAM-EC2-%d", 1+i%8), Severity: []string{"high", "critical", "medium", "low"}[i%4],
			Title: "Terminate instances without a tag condition", Principal: fmt.Sprintf("arn:aws:iam::111122223333:role/app-%d", i%6),
			Policy: "inline:ops", Statement: "Ops", Actions: []string{"ec2:TerminateInstances"}, Message: "allows ec2:TerminateInstances on * with no tag condition"}
		if i%2 == 0 {
			f.Witness = w
		}
		f.Location.File = "policies/ops.json"
		f.Location.Line = 7 + i
		f.Location.Column = 5
		in.IAM = append(in.IAM, f)
	}
	return in
}
