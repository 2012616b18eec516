// Package benchdata makes the deterministic synthetic events that benchmarks run on: GeoJSON
// "citylots"-like lines (the shape other event matchers publish figures on) and EC2 events
// (state changes and CloudTrail API calls). The same seed always yields the same bytes.
package benchdata

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// Streets are the STREET values citylots lines draw from; benchmarks select on them.
var Streets = []string{"CRANLEIGH", "JEFFERSON", "MARKET", "MISSION", "VALENCIA", "CASTRO", "HAIGHT", "FOLSOM", "HOWARD", "BRYANT", "HARRISON", "POTRERO", "GEARY", "CLEMENT", "LINCOLN", "IRVING"}

// CityLots returns n GeoJSON Feature lines of about 800 bytes each.
func CityLots(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		block := r.IntN(9999)
		lot := r.IntN(999)
		street := Streets[r.IntN(len(Streets))]
		coords := make([][3]float64, 0, 14)
		x, y := -122.5+r.Float64()*0.15, 37.70+r.Float64()*0.12
		for k := 0; k < 14; k++ {
			coords = append(coords, [3]float64{round(x+r.Float64()*0.001, 1e9), round(y+r.Float64()*0.001, 1e9), 0})
		}
		feat := map[string]any{
			"type": "Feature",
			"properties": map[string]any{
				"MAPBLKLOT": fmt.Sprintf("%04d%03d", block, lot),
				"BLKLOT":    fmt.Sprintf("%04d%03d", block, lot),
				"BLOCK_NUM": fmt.Sprintf("%04d", block),
				"LOT_NUM":   fmt.Sprintf("%03d", lot),
				"FROM_ST":   fmt.Sprint(r.IntN(4000)),
				"TO_ST":     fmt.Sprint(r.IntN(4000)),
				"STREET":    street,
				"ST_TYPE":   []any{"ST", "AVE", "BLVD", nil}[r.IntN(4)],
				"ODD_EVEN":  []string{"E", "O"}[r.IntN(2)],
				"AREA":      round(r.Float64()*5000, 100),
			},
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][3]float64{coords}},
		}
		b, err := json.Marshal(feat)
		if err != nil {
			panic(err) // only plain values above: cannot fail
		}
		out = append(out, b)
	}
	return out
}

func round(v, scale float64) float64 { return float64(int64(v*scale)) / scale }

// EC2Events returns n EventBridge events: EC2 instance state changes and CloudTrail API calls
// (RunInstances, CreateVolume, DescribeInstances...) in realistic shape and size.
func EC2Events(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 0xec2))
	states := []string{"pending", "running", "stopping", "stopped", "shutting-down", "terminated"}
	calls := []string{"RunInstances", "CreateVolume", "CreateSnapshot", "CreateImage", "DescribeInstances", "StopInstances", "StartInstances", "CreateTags"}
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("i-%017x", r.Uint64()&0xfffffffffffffff)
		region := []string{"us-east-1", "eu-west-1", "ap-southeast-1"}[r.IntN(3)]
		var ev map[string]any
		if r.IntN(2) == 0 {
			ev = map[string]any{
				"version": "0", "id": fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), r.Uint64()&0xffffffffffff),
				"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
				"account": "123456789012", "time": "2026-11-22T10:00:00Z", "region": region,
				"resources": []string{"arn:aws:ec2:" + region + ":123456789012:instance/" + id},
				"detail":    map[string]any{"instance-id": id, "state": states[r.IntN(len(states))]},
			}
		} else {
			call := calls[r.IntN(len(calls))]
			ev = map[string]any{
				"version": "0", "id": fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), r.Uint64()&0xffffffffffff),
				"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
				"account": "123456789012", "time": "2026-11-22T10:00:00Z", "region": region, "resources": []string{},
				"detail": map[string]any{
					"eventVersion": "1.09", "eventSource": "ec2.amazonaws.com", "eventName": call, "awsRegion": region,
					"sourceIPAddress": fmt.Sprintf("203.0.113.%d", r.IntN(255)), "userAgent": "aws-cli/2.15.0",
					"userIdentity": map[string]any{
						"type": "IAMUser", "principalId": "AIDAJ7EQQEKFAVPO3NTQG", "arn": "arn:aws:iam::123456789012:user/bob",
						"accountId": "123456789012", "userName": "bob",
					},
					"requestParameters": map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1}}}, "instanceType": "t3.micro"},
					"responseElements":  map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": id, "instanceState": map[string]any{"code": 0, "name": "pending"}}}}},
					"requestID":         fmt.Sprintf("%08x", r.Uint32()), "eventID": fmt.Sprintf("%08x", r.Uint32()),
					"readOnly": call == "DescribeInstances", "eventType": "AwsApiCall", "recipientAccountId": "123456789012",
				},
			}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}
