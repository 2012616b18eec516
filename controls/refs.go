package controls

// Where the references point, and the events several controls share.

const shPage = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#"

func configRule(name string) string {
	return "https://docs.aws.amazon.com/config/latest/developerguide/" + name + ".html"
}

func prowlerCheck(id string) string {
	return "https://github.com/prowler-cloud/prowler/tree/master/prowler/providers/aws/services/ec2/" + id
}

// sgEvents are the calls that change a security group's ingress permissions.
var sgEvents = []string{"AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules", "RevokeSecurityGroupIngress", "CreateSecurityGroup"}

// launchTemplateEvents are the calls that change a launch template's default or latest version.
var launchTemplateEvents = []string{"CreateLaunchTemplate", "CreateLaunchTemplateVersion", "ModifyLaunchTemplate", "DeleteLaunchTemplateVersions"}

// live is the scope of instance controls: an instance that is not terminated.
const live = "- {state: [pending, running, stopping, stopped, shutting-down]}\n"

const terminated = "the instance is terminated"

// highRiskPorts are Security Hub EC2.19's blocked ports (not customizable there).
var highRiskPorts = []int{20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300}

func intList(ports []int) []any {
	out := make([]any, len(ports))
	for i, p := range ports {
		out[i] = p
	}
	return out
}
