package eval

import (
	"strings"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// How the caller is matched against a resource-based policy's Principal, from the closest
// naming to the loosest. The kind decides which other policies still limit the grant.
type principalMatchKind int

const (
	noMatch      principalMatchKind = iota
	accountMatch                    // the caller's account ID or its root ARN: trust in the account's own policies
	roleMatch                       // a role session, through its role's ARN
	starMatch                       // "*" (or, for NotPrincipal, every principal not listed)
	directMatch                     // the caller's own ARN (a session's own session ARN), or a service name
)

// SessionRole returns the ARN of the role behind a role session's ARN
// (arn:aws:sts::111122223333:assumed-role/Ops/alice → arn:aws:iam::111122223333:role/Ops).
// A role with a path has it in its ARN but not in its sessions', so the result is the
// role's ARN only for a role without a path; matchesRole compares without the path.
func SessionRole(arn string) (string, bool) {
	part, acct, name, ok := sessionParts(arn)
	if !ok {
		return "", false
	}
	return "arn:" + part + ":iam::" + acct + ":role/" + name, true
}

// sessionParts splits arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION.
func sessionParts(arn string) (partition, account, role string, ok bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[2] != "sts" {
		return "", "", "", false
	}
	rest, ok := strings.CutPrefix(p[5], "assumed-role/")
	if !ok {
		return "", "", "", false
	}
	role, _, ok = strings.Cut(rest, "/")
	if !ok || role == "" {
		return "", "", "", false
	}
	return p[1], p[4], role, true
}

// matchesRole reports whether the principal value is the ARN of the role of the session
// (any path): arn:aws:iam::ACCOUNT:role/[PATH/]ROLE.
func matchesRole(v, session string) bool {
	part, acct, role, ok := sessionParts(session)
	if !ok {
		return false
	}
	pfx := "arn:" + part + ":iam::" + acct + ":role/"
	if len(v) <= len(pfx) || v[:len(pfx)] != pfx {
		return false
	}
	name := v[len(pfx):]
	return name[strings.LastIndexByte(name, '/')+1:] == role
}

// principalMatch matches a Principal element against the caller's ARN. An account ID or
// an account's root ARN stands for every principal of the account; a role's ARN stands
// for its sessions (AWS: "Role sessions" in the Principal element reference).
func principalMatch(p *policy.Principal, caller string) principalMatchKind {
	if p.All {
		return starMatch
	}
	m := noMatch
	for typ, vals := range p.Values {
		for _, v := range vals {
			switch {
			case v == caller:
				return directMatch
			case v == "*" && typ == "AWS":
				m = max(m, starMatch)
			case typ != "AWS":
			case matchesRole(v, caller):
				m = max(m, roleMatch)
			default:
				acct := strings.TrimSuffix(strings.TrimPrefix(v, "arn:aws:iam::"), ":root")
				if len(acct) == 12 && callerAccount(caller) == acct {
					m = max(m, accountMatch)
				}
			}
		}
	}
	return m
}

func callerAccount(arn string) string {
	// arn:partition:service:region:account:...
	for i, n := 0, 0; i < len(arn); i++ {
		if arn[i] == ':' {
			n++
			if n == 4 {
				rest := arn[i+1:]
				if j := strings.IndexByte(rest, ':'); j >= 0 {
					return rest[:j]
				}
				return rest
			}
		}
	}
	return ""
}

func isSession(arn string) bool {
	_, _, _, ok := sessionParts(arn)
	return ok
}

// PrincipalKeys returns ctx with the condition keys AWS sets from the caller's ARN where
// ctx lacks them: aws:PrincipalArn (for a role session, its role's ARN: AWS "aws:PrincipalArn"
// in the global condition context keys), aws:PrincipalAccount, and aws:username for an IAM
// user. ctx itself is not changed.
func PrincipalKeys(ctx Context, principal string) Context {
	out := make(Context, len(ctx)+3)
	for k, v := range ctx {
		out[k] = v
	}
	set := func(k, v string) {
		if _, ok := out.Lookup(k); !ok && v != "" {
			out[k] = []string{v}
		}
	}
	if role, ok := SessionRole(principal); ok {
		set("aws:PrincipalArn", role)
	} else {
		set("aws:PrincipalArn", principal)
	}
	if parts := strings.SplitN(principal, ":", 6); len(parts) == 6 {
		set("aws:PrincipalAccount", parts[4])
		if user, ok := strings.CutPrefix(parts[5], "user/"); ok && parts[2] == "iam" {
			set("aws:username", user[strings.LastIndexByte(user, '/')+1:])
		}
	}
	return out
}
