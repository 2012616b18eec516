package deploy

import (
	"slices"

	"github.com/ec2guard/ec2guard/rules"
)

// ownerStatements let tell-owner reach the rule file's owner map, when a rule tells owners:
// sns:Publish on the map's own topics — a file's are read here, at deploy time (each owner's
// and the fallback's sns, and email-topic); a table's items are not known until they are
// read, so its spec lists the topics they may name (topics, * allowed) and those are granted,
// with its email-topic — and, for a table, the one read tell-owner makes of it
// (BatchGetItem: it never calls GetItem), on that table alone.
func ownerStatements(set *rules.Set) []map[string]any {
	if !tellsOwners(set) {
		return nil
	}
	var topics []string
	var out []map[string]any
	switch m, t := set.Owners, set.OwnerTable; {
	case t != nil:
		topics = append(slices.Clone(t.Topics), t.EmailTopic)
		region := "${AWS::Region}"
		if t.Region != "" {
			region = t.Region
		}
		out = append(out, map[string]any{"Effect": "Allow", "Action": []string{"dynamodb:BatchGetItem"},
			"Resource": []any{sub("arn:${AWS::Partition}:dynamodb:" + region + ":${AWS::AccountId}:table/" + t.Table)}})
	case m != nil:
		topics = append(topics, m.EmailTopic, m.Fallback.SNS)
		for _, k := range m.Keys() {
			topics = append(topics, m.Owners[k].SNS)
		}
	}
	topics = slices.DeleteFunc(topics, func(s string) bool { return s == "" })
	slices.Sort(topics)
	if topics = slices.Compact(topics); len(topics) > 0 {
		out = append(out, map[string]any{"Effect": "Allow", "Action": []string{"sns:Publish"}, "Resource": topics})
	}
	return out
}

// tellsOwners says whether a rule of set tells owners.
func tellsOwners(set *rules.Set) bool {
	for _, r := range set.Rules {
		for _, a := range r.Actions {
			if a.Name == rules.TellOwner {
				return true
			}
		}
	}
	return false
}
