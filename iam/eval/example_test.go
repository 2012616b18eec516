package eval_test

import (
	"fmt"

	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

func ExampleEvaluator_Evaluate() {
	doc, err := policy.Parse("owner.json", []byte(`{"Version": "2012-10-17", "Statement": [
  {"Sid": "Owner", "Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*",
   "Condition": {"StringEquals": {"ec2:ResourceTag/PrincipalId": "${aws:userid}"}}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := eval.Compile(eval.PolicySet{Identity: []*policy.Document{doc}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, owner := range []string{"AIDABOB", "AIDAALICE"} {
		d := e.Evaluate(eval.Request{
			Action: "ec2:StopInstances", Resource: "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
			Context: eval.Context{"aws:userid": {"AIDABOB"}, "ec2:ResourceTag/PrincipalId": {owner}},
		})
		fmt.Println(owner, d.Effect, d.Deciding)
	}
	// Output:
	// AIDABOB allowed [{identity-based policy owner.json Owner 0 owner.json:2:3}]
	// AIDAALICE implicit-deny []
}
