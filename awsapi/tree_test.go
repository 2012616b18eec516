package awsapi

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestTreeInAWSFieldNames(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got := Tree(&ec2types.Instance{
		InstanceId:      aws.String("i-1"),
		LaunchTime:      &at,
		MetadataOptions: &ec2types.InstanceMetadataOptionsResponse{HttpTokens: ec2types.HttpTokensStateOptional, HttpPutResponseHopLimit: aws.Int32(2)},
		BlockDeviceMappings: []ec2types.InstanceBlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsInstanceBlockDevice{DeleteOnTermination: aws.Bool(true)}},
		},
		SecurityGroups: []ec2types.GroupIdentifier{},
	})
	want := map[string]any{
		"InstanceId":      "i-1",
		"LaunchTime":      at,
		"MetadataOptions": map[string]any{"HttpTokens": "optional", "HttpPutResponseHopLimit": float64(2)},
		"BlockDeviceMappings": []any{
			map[string]any{"DeviceName": "/dev/xvda", "Ebs": map[string]any{"DeleteOnTermination": true}},
		},
		"SecurityGroups": []any{}, // present and empty, unlike a list AWS left out
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tree =\n%#v\nwant\n%#v", got, want)
	}
}
