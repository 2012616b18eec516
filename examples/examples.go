// Package examples embeds the example rule file so that ec2guard demo runs anywhere.
package examples

import _ "embed"

// Seeds is examples/seeds.yaml: the seeds' three guardrails as rules.
//
//go:embed seeds.yaml
var Seeds []byte
