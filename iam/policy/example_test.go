package policy_test

import (
	"fmt"

	"github.com/ec2guard/ec2guard/iam/policy"
)

func ExampleParse() {
	doc, err := policy.Parse("bob.json", []byte(`{
  "Version": "2012-10-17",
  "Statement": {"Sid": "Stop", "Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
                "Condition": {"StringEquals": {"ec2:ResourceTag/PrincipalId": "${aws:userid}"}}}
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	st := doc.Statements[0]
	fmt.Println(st.Loc, st.Sid, st.Effect, st.Action, st.Conditions[0].Key, st.Conditions[0].Values)

	_, err = policy.Parse("bad.json", []byte(`{"Statement": [{"Effect": "Permit", "Action": "ec2:*"}]}`))
	fmt.Println(err)
	// Output:
	// bob.json:3:16 Stop Allow [ec2:StopInstances] ec2:ResourceTag/PrincipalId [${aws:userid}]
	// bad.json:1:27: Effect must be "Allow" or "Deny"
}
