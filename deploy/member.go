package deploy

import (
	"errors"
	"fmt"
)

// Member is the template of each member account of an Organization (deploy it with a
// service-managed StackSet): EventBridge rules with the same patterns forward the events to
// the central account's default bus, and the remediation role lets the central function act
// here with the same narrowed EC2 permissions.
func Member(o Options) (*Template, error) {
	if o.Rules == nil || len(o.Rules.Rules) == 0 {
		return nil, errors.New("deploy: no rules")
	}
	t := &Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              "ec2guard, member account: forward EC2 guardrail events to the central account and let its function act here (" + fmt.Sprint(len(o.Rules.Rules)) + " rules)",
		Parameters: map[string]Parameter{
			"CentralAccountId": {Type: "String", AllowedPattern: "^[0-9]{12}$", ConstraintDescription: "a 12-digit account id", Description: "the account that runs the ec2guard function"},
			"CentralFunctionRoleArn": {Type: "String", AllowedPattern: "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$",
				ConstraintDescription: "an IAM role ARN", Description: "the central function's execution role (the central stack's FunctionRoleArn output)"},
			"RemediationRoleName": {Type: "String", Default: DefaultRemediationRole, Description: "the role the central function assumes here (the central stack's RemediationRoleName)"},
		},
		Resources: map[string]Resource{},
		Outputs: map[string]Output{
			"RemediationRoleArn": {Description: "the role the central function assumes", Value: getAtt("RemediationRole", "Arn")},
		},
	}
	res := t.Resources
	bus := sub("arn:${AWS::Partition}:events:${AWS::Region}:${CentralAccountId}:event-bus/default")
	forwarder := serviceRole("lets this account's ec2guard rules put their events on the central bus (which admits this role's name alone)",
		"events.amazonaws.com", "forward", map[string]any{"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus})
	forwarder.Properties["RoleName"] = ForwarderRole
	res["ForwarderRole"] = forwarder
	res["ForwardDeadLetterQueue"] = deadLetterQueue()
	stmts := []map[string]any{readStatement(o.Rules)}
	stmts = append(stmts, actionStatements(o.Rules, true)...)
	if o.SecurityHub { // the central function's scan sends this account's findings through the role
		if err := checkSecurityHub(o, false); err != nil {
			return nil, err
		}
		stmts = append(stmts, securityHubStatements()...)
	}
	res["RemediationRole"] = Resource{
		Type: "AWS::IAM::Role",
		Properties: map[string]any{
			"RoleName":    ref("RemediationRoleName"),
			"Description": "ec2guard's central function acts on this account's EC2 resources through this role, with only its rules' permissions",
			"AssumeRolePolicyDocument": policyDoc(map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"AWS": sub("arn:${AWS::Partition}:iam::${CentralAccountId}:root")}, "Action": "sts:AssumeRole",
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": ref("CentralFunctionRoleArn")}},
			}),
			"Policies": []any{map[string]any{"PolicyName": "ec2guard", "PolicyDocument": policyDoc(stmts...)}},
		},
	}
	if _, err := eventRules(res, "Forward", o.Rules, "ForwardDeadLetterQueue", map[string]any{
		"Id": "ec2guard-central", "Arn": bus, "RoleArn": getAtt("ForwarderRole", "Arn"),
	}); err != nil {
		return nil, err
	}
	return t, nil
}
