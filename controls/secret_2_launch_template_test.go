package controls

import "testing"

func TestSecretLaunchTemplate(t *testing.T) {
	judge(t, secretLaunchTemplate, nil, []example{
		{"a plain script", template(map[string]any{"UserData": "#!/bin/bash\necho hi\n"}), Pass, "", 0},
		{"password", template(map[string]any{"UserData": "#!/bin/bash\nexport DB_PASSWORD='Zx9#mQ2!vL'\n"}), Fail, "password on line 2 of the user data of version 1 (Default)", 0},
	})
}
