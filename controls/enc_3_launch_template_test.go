package controls

import "testing"

func TestEncLaunchTemplate(t *testing.T) {
	bdm := func(enc ...any) map[string]any {
		var list []any
		for _, e := range enc {
			ebs := map[string]any{"VolumeSize": float64(8)}
			if e != nil {
				ebs["Encrypted"] = e
			}
			list = append(list, map[string]any{"DeviceName": "/dev/xvda", "Ebs": ebs})
		}
		return map[string]any{"BlockDeviceMappings": list}
	}
	judge(t, encLaunchTemplate, nil, []example{
		{"encrypted", template(bdm(true)), Pass, "", 0},
		{"one unencrypted", template(bdm(true, false)), Fail, "Encrypted to false", 0},
		// AWS judges only what the template says: an inherited setting passes
		{"not said", template(bdm(nil)), Pass, "", 0},
		{"no mappings", template(map[string]any{}), Pass, "", 0},
	})
}
