package controls

import "github.com/ec2guard/ec2guard/resource"

var encDefault = &Control{
	ID:          "EC2G-ENC-2",
	SecurityHub: "EC2.7",
	CIS:         []string{"v3.0.0 2.2.1", "v4.0.0 5.1.1", "v5.0.0 5.1.1", "v6.0.0 6.1.1"},
	Prowler:     []string{"ec2_ebs_default_encryption"},
	Title:       "EBS default encryption should be enabled",
	Severity:    Medium,
	Rationale: "With encryption by default, every new volume and snapshot copy in the region is encrypted whatever the " +
		"launch request says; without it, one forgotten flag leaves data unencrypted. The setting is per account and region.",
	Remediation: "Enable EBS encryption by default in every region (EnableEbsEncryptionByDefault); the default KMS key may stay AWS's.",
	References:  []string{shPage + "ec2-7", configRule("ec2-ebs-encryption-by-default"), prowlerCheck("ec2_ebs_default_encryption")},
	Kind:        resource.Account,
	Setting:     "EbsEncryptionByDefault",
	Fails:       []Case{{Why: "EBS encryption by default is off in the region", Filters: "- {attr: EbsEncryptionByDefault, not-equals: true}\n"}},
	Pass:        "EBS encryption by default is on in the region",
	Events:      []string{"DisableEbsEncryptionByDefault", "EnableEbsEncryptionByDefault"},
	Actions:     []string{"enable-ebs-encryption-by-default"},
}
