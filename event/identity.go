package event

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// TagValue reports whether s can be written as an EC2 tag value exactly as it is, and if not,
// why. EC2 takes any Unicode text of up to 256 characters as a tag value ("Maximum value length:
// 256 Unicode characters in UTF-8"; "although EC2 allows for any character in its tags, other
// AWS services are more restrictive": the EC2 User Guide, Tag restrictions,
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions), and
// reserves the aws: prefix. The set the other services share (letters, digits, spaces and
// _ . : / = + - @) is not EC2's: a role session name may hold a comma ("smith,john"), and
// ${aws:userid} keeps it, so the value is written verbatim or not at all. Rewriting it (to
// smith_john) would write a different, legal aws:userid: someone else's access.
func TagValue(s string) (ok bool, why string) {
	switch {
	case !utf8.ValidString(s):
		return false, "it is not valid UTF-8"
	case utf8.RuneCountInString(s) > 256:
		return false, fmt.Sprintf("it is %d characters long, and EC2 takes at most 256", utf8.RuneCountInString(s))
	case len(s) >= 4 && strings.EqualFold(s[:4], "aws:"):
		return false, "it begins with aws:, which AWS reserves"
	}
	return true, ""
}
