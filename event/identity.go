package event

import (
	"strings"
)

// Identity is who made a CloudTrail API call, in the values ec2guard tags resources with.
type Identity struct {
	Type        string // IAMUser, AssumedRole, FederatedUser, Root, AWSService, IdentityCenterUser, WebIdentityUser, SAMLUser
	UserName    string // a person-readable name: the IAM user, the role session, the federated user...
	PrincipalID string // what ${aws:userid} is for this caller
	ARN         string
	SessionName string // role sessions
	RoleName    string // role sessions: the role assumed
	Account     string
}

// Identity returns the caller's identity for every userIdentity type CloudTrail records.
func (ct *CloudTrail) Identity() Identity {
	u := ct.UserIdentity
	id := Identity{Type: u.Type, PrincipalID: u.PrincipalID, ARN: u.ARN, Account: u.AccountID}
	afterColon := func(s string) string {
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			return s[i+1:]
		}
		return s
	}
	afterSlash := func(s string) string {
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			return s[i+1:]
		}
		return s
	}
	switch u.Type {
	case "IAMUser":
		id.UserName = u.UserName
	case "AssumedRole":
		id.SessionName = afterColon(u.PrincipalID)
		if id.SessionName == u.PrincipalID {
			id.SessionName = afterSlash(u.ARN)
		}
		id.UserName = id.SessionName
		id.RoleName = u.SessionContext.SessionIssuer.UserName
	case "FederatedUser":
		id.UserName = afterColon(u.PrincipalID)
		id.RoleName = u.SessionContext.SessionIssuer.UserName
	case "Root":
		id.UserName = "root"
		if id.PrincipalID == "" {
			id.PrincipalID = u.AccountID
		}
	case "AWSService":
		id.UserName = u.InvokedBy
		if id.PrincipalID == "" {
			id.PrincipalID = u.InvokedBy
		}
	case "IdentityCenterUser":
		id.UserName = firstNonEmpty(u.UserName, u.OnBehalfOf.UserID)
		id.PrincipalID = firstNonEmpty(u.PrincipalID, u.OnBehalfOf.UserID)
	default: // WebIdentityUser, SAMLUser and anything newer
		id.UserName = u.UserName
	}
	if id.UserName == "" {
		id.UserName = afterSlash(afterColon(firstNonEmpty(u.PrincipalID, u.ARN)))
	}
	if id.PrincipalID == "" {
		id.PrincipalID = firstNonEmpty(u.ARN, id.UserName)
	}
	return id
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// TagValue makes s a valid EC2 tag value: at most 256 characters of letters, digits, spaces
// and _.:/=+-@ (the set every AWS service accepts); anything else becomes '_'.
func TagValue(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 256 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" _.:/=+-@", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		n++
	}
	return b.String()
}
