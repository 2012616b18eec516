package resource

import (
	"slices"
	"testing"
)

func TestSchemaHasAWSFieldsAndDerivedOnes(t *testing.T) {
	for _, k := range Kinds() {
		if Schema(k) == nil || Schema(k).Type != Object || len(Schema(k).Fields) == 0 {
			t.Errorf("kind %s has no schema", k)
		}
	}
	in := Schema(Instance)
	tok := in.Child("MetadataOptions").Child("HttpTokens")
	if tok == nil || tok.Type != String || !slices.Contains(tok.Enum, "required") {
		t.Fatalf("MetadataOptions.HttpTokens = %+v", tok)
	}
	bdm := in.Child("BlockDeviceMappings")
	if bdm == nil || bdm.Type != List || bdm.Elem.Child("Ebs").Child("DeleteOnTermination").Type != Bool {
		t.Fatalf("BlockDeviceMappings = %+v", bdm)
	}
	if f := in.Child("LaunchTime"); f == nil || f.Type != Time {
		t.Fatalf("LaunchTime = %+v", f)
	}
	if f := in.Child("UserData"); f == nil || f.Needs != NeedUserData {
		t.Fatalf("UserData = %+v", f)
	}
	exp := in.Child("Exposure")
	if exp.Child("Subnet").Child("MapPublicIpOnLaunch") == nil || exp.Child("SecurityGroups").Elem.Child("IpPermissions") == nil {
		t.Fatalf("Exposure does not hold the subnet and group kinds: %v", exp.Names())
	}
	if f := Schema(Snapshot).Child("CreateVolumePermissions"); f == nil || f.Type != List || f.Needs != NeedPermissions || f.Elem.Child("Group") == nil {
		t.Fatalf("snapshot CreateVolumePermissions = %+v", f)
	}
	if f := Schema(LaunchTemplate).Child("LatestVersion").Child("LaunchTemplateData").Child("MetadataOptions").Child("HttpTokens"); f == nil {
		t.Fatal("launch-template LatestVersion.LaunchTemplateData.MetadataOptions.HttpTokens missing")
	}
	if f := Schema(Account).Child("InstanceMetadataDefaults").Child("HttpTokens"); f == nil || f.Type != String {
		t.Fatalf("account InstanceMetadataDefaults.HttpTokens = %+v", f)
	}
	if Schema(NetworkInterface) != nil {
		t.Fatal("network-interface is judged by no rule and has no schema")
	}
}
