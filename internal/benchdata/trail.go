package benchdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// Trail describes a synthetic CloudTrail log file ({"Records":[...]}), as CloudTrail writes
// them to S3: records of many services and calls, most of them reads.
type Trail struct {
	Records int
	Seed    uint64
	// CreateShare is the fraction of records that create EC2 resources (RunInstances,
	// CreateVolume): the ones a tagging rule matches. Default 0.01, about what a busy
	// account's trail holds; the rest are reads and other services' calls.
	CreateShare float64
	// Instances and Volumes are the ids the create records name (say, a fleet on moto);
	// synthetic ids when empty.
	Instances, Volumes []string
}

// readCalls are the calls that make up most of a trail.
var readCalls = []struct{ source, name string }{
	{"ec2.amazonaws.com", "DescribeInstances"}, {"ec2.amazonaws.com", "DescribeVolumes"},
	{"ec2.amazonaws.com", "DescribeSecurityGroups"}, {"ec2.amazonaws.com", "DescribeTags"},
	{"ec2.amazonaws.com", "StopInstances"}, {"ec2.amazonaws.com", "CreateTags"},
	{"s3.amazonaws.com", "GetBucketAcl"}, {"sts.amazonaws.com", "AssumeRole"},
	{"iam.amazonaws.com", "GetRole"}, {"kms.amazonaws.com", "Decrypt"},
	{"logs.amazonaws.com", "CreateLogStream"}, {"lambda.amazonaws.com", "GetFunction"},
}

// CloudTrailLog returns the log file t describes. The same Trail always yields the same bytes.
func CloudTrailLog(t Trail) []byte {
	r := rand.New(rand.NewPCG(t.Seed, 0xc7))
	share := t.CreateShare
	if share == 0 {
		share = 0.01
	}
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := 0; i < t.Records; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		region := []string{"us-east-1", "eu-west-1", "ap-southeast-1"}[r.IntN(3)]
		if len(t.Instances) > 0 || len(t.Volumes) > 0 {
			region = "us-east-1" // the fleet's region
		}
		rec := map[string]any{
			"eventVersion": "1.09", "eventTime": fmt.Sprintf("2026-11-22T10:%02d:%02dZ", i/60%60, i%60),
			"awsRegion": region, "sourceIPAddress": fmt.Sprintf("203.0.113.%d", r.IntN(255)),
			"userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023",
			"requestID": fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&0xffffffffffff),
			"eventID":   fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), i&0xffff, r.IntN(1<<12), r.IntN(1<<12), uint64(i)),
			"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012",
			"eventCategory": "Management", "userIdentity": identity(r),
			"tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "ec2." + region + ".amazonaws.com"},
		}
		switch x := r.Float64(); {
		case x < share*0.7:
			id := pick(r, t.Instances, "i-%017x")
			rec["eventSource"], rec["eventName"], rec["readOnly"] = "ec2.amazonaws.com", "RunInstances", false
			rec["requestParameters"] = map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1}}}, "instanceType": "t3.micro"}
			rec["responseElements"] = map[string]any{"reservationId": fmt.Sprintf("r-%017x", r.Uint64()&0xfffffffffffffff), "ownerId": "123456789012",
				"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": id, "imageId": "ami-0abcdef1234567890", "instanceState": map[string]any{"code": 0, "name": "pending"}, "instanceType": "t3.micro"}}}}
		case x < share:
			id := pick(r, t.Volumes, "vol-%017x")
			rec["eventSource"], rec["eventName"], rec["readOnly"] = "ec2.amazonaws.com", "CreateVolume", false
			rec["requestParameters"] = map[string]any{"size": 8, "zone": region + "a", "volumeType": "gp3", "encrypted": true}
			rec["responseElements"] = map[string]any{"volumeId": id, "size": "8", "zone": region + "a", "status": "creating", "volumeType": "gp3", "encrypted": true}
		default:
			c := readCalls[r.IntN(len(readCalls))]
			rec["eventSource"], rec["eventName"], rec["readOnly"] = c.source, c.name, c.source != "ec2.amazonaws.com" || c.name[0] == 'D'
			rec["requestParameters"] = map[string]any{"filterSet": map[string]any{"items": []any{map[string]any{"name": "tag:Team", "valueSet": map[string]any{"items": []any{map[string]any{"value": "payments"}}}}}}, "maxResults": 100}
			rec["responseElements"] = nil
			if r.IntN(50) == 0 {
				rec["errorCode"], rec["errorMessage"] = "Client.UnauthorizedOperation", "You are not authorized to perform this operation."
			}
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			panic(err) // only plain values above: cannot fail
		}
		b.Write(raw)
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

func pick(r *rand.Rand, ids []string, format string) string {
	if len(ids) > 0 {
		return ids[r.IntN(len(ids))]
	}
	return fmt.Sprintf(format, r.Uint64()&0xfffffffffffffff)
}

func identity(r *rand.Rand) map[string]any {
	user := []string{"alice", "bob", "carol", "dave"}[r.IntN(4)]
	if r.IntN(3) == 0 {
		return map[string]any{"type": "IAMUser", "principalId": "AIDAJ7EQQEKFAVPO3NTQG", "arn": "arn:aws:iam::123456789012:user/" + user,
			"accountId": "123456789012", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": user}
	}
	return map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLEROLEID:" + user, "arn": "arn:aws:sts::123456789012:assumed-role/Developer/" + user,
		"accountId": "123456789012", "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
		"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAEXAMPLEROLEID", "arn": "arn:aws:iam::123456789012:role/Developer", "accountId": "123456789012", "userName": "Developer"},
			"attributes": map[string]any{"creationDate": "2026-11-22T09:00:00Z", "mfaAuthenticated": "false"}}}
}
