package controls

import (
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestSecretUserData(t *testing.T) {
	const key = "kq3V8tYbN2xR7pLmW5sD9fGh1jKz4cX6vB0nM8aQ"
	ud := func(s string) *resource.Resource { return inst(resource.Running, map[string]any{"UserData": s}) }
	judge(t, secretUserData, nil, []example{
		{"a plain script", ud("#!/bin/bash\nyum -y install httpd\n"), Pass, "", 0},
		{"none", inst(resource.Running, map[string]any{}), Pass, "", 0},
		{"aws key", ud("#!/bin/bash\naws configure set aws_secret_access_key " + key + "\nexport AWS_SECRET_ACCESS_KEY=" + key), Fail, "AWS secret access key on line 3", 0},
		{"private key", ud("#!/bin/bash\n\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n"), Fail, "private key on line 3", 0},
	})
	k := secretUserData.MustCompile()
	v := k.Evaluate(ud("export AWS_SECRET_ACCESS_KEY="+key), now)
	if strings.Contains(v.Reason, key) || v.Status != Fail {
		t.Errorf("%v: the reason must not hold the secret", v)
	}
}
