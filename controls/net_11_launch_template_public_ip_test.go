package controls

import "testing"

func TestNetLaunchTemplatePublicIP(t *testing.T) {
	nics := func(pub ...bool) map[string]any {
		var list []any
		for _, p := range pub {
			list = append(list, map[string]any{"DeviceIndex": 0.0, "AssociatePublicIpAddress": p})
		}
		return map[string]any{"NetworkInterfaces": list}
	}
	latestOnly := template(nics(false))
	latestOnly.Attrs["LatestVersion"] = map[string]any{"VersionNumber": 2.0, "LaunchTemplateData": nics(true)}
	judge(t, netLaunchTemplatePublicIP, nil, []example{
		{"private", template(nics(false)), Pass, "", 0},
		{"no interfaces", template(map[string]any{}), Pass, "", 0},
		{"public", template(nics(false, true)), Fail, "public IP", 0},
		// the Config rule judges the default version alone (Prowler fails this one)
		{"public in another version", latestOnly, Pass, "", 0},
	})
}
