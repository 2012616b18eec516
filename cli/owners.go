package cli

import (
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/rules"
)

// ownerDirectory is the rule file's owner map for tell-owner: its file, or its DynamoDB
// table read through clients (one per engine, so its cache serves every rule); nil when the
// file names none.
func ownerDirectory(set *rules.Set, clients *awsapi.Clients) notify.Directory {
	switch {
	case set.OwnerTable != nil:
		return notify.NewTable(*set.OwnerTable, clients, notify.Options{AllowLoopbackHTTP: loopbackHTTP()})
	case set.Owners != nil:
		return set.Owners
	}
	return nil
}
