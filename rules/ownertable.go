package rules

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/notify"
)

// ownerTable reads the mapping form of owners: an owner map kept in a DynamoDB table
// (notify.TableSpec), each field checked where it is written.
//
//	owners: {table: ec2guard-owners, topics: ["arn:aws:sns:eu-west-1:111122223333:team-*"], email-topic: ARN, key: owner, region: eu-west-1, cache: 1m}
func (l *loader) ownerTable(n *yaml.Node) *notify.TableSpec {
	spec := &notify.TableSpec{}
	before := len(l.errs)
	field := func(v *yaml.Node, name, what string) string {
		s := l.str(v, name)
		if err := notify.CheckTableField(what, s); s != "" && err != nil {
			l.errorf(v, "owners: %s: %v", name, err)
		}
		return s
	}
	var tableAt bool
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "table":
			spec.Table, tableAt = field(v, "table", "table"), true
		case "key":
			if spec.Key = l.str(v, "key"); spec.Key == "" {
				l.errorf(v, "owners: key: the partition key attribute's name is empty")
			}
		case "region":
			spec.Region = field(v, "region", "region")
		case "email-topic":
			spec.EmailTopic = field(v, "email-topic", "email-topic")
		case "topics":
			if v.Kind == yaml.ScalarNode {
				spec.Topics = append(spec.Topics, field(v, "topics", "topic"))
				continue
			}
			if v.Kind != yaml.SequenceNode {
				l.errorf(v, "owners: topics must be a list of SNS topic ARNs (* for any run of characters)")
				continue
			}
			for _, c := range v.Content {
				spec.Topics = append(spec.Topics, field(resolve(c), "topics", "topic"))
			}
		case "cache":
			d, err := time.ParseDuration(l.str(v, "cache"))
			switch {
			case err != nil:
				l.errorf(v, "owners: cache: %q is not a duration (30s, 1m, 0s for none)", v.Value)
			case d < 0 || d > time.Hour:
				l.errorf(v, "owners: cache: %s is not between 0s and 1h: a changed item would go unread that long", v.Value)
			case d == 0:
				spec.Cache = -1 // no cache
			default:
				spec.Cache = d
			}
		default:
			l.errorf(k, "owners: unknown key %q: an owner table has table, key, region, topics, email-topic and cache (an owner map file is owners: FILE)", k.Value)
		}
	}
	if !tableAt {
		l.errorf(n, "owners: a mapping names an owner table: {table: NAME, topics: [...]}; an owner map file is owners: FILE")
	}
	if len(l.errs) > before {
		return nil
	}
	return spec
}
