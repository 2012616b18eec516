package rules

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/resource"
)

// --- secrets ---
//
// {secrets: true} holds of an instance whose user data, or a launch template whose default
// or latest version's user data, holds what looks like a secret: an AWS secret access key
// or session token, a private key (PEM, or PEM in base64), a password or a generic secret
// or API key assigned in a script. The detectors follow the rules Prowler runs (Kingfisher's
// aws.2, aws.4, pem.1, pem.2, generic.1, generic.2, generic.5), with their entropy floors.
// User data compressed with gzip is read uncompressed. Detail names the detector and the
// line, never the text it matched. {secrets: false} selects the others.

// secretDetector is one kind of secret: a pattern whose group 1 is the secret, and the
// Shannon entropy (bits per character) it must reach, which keeps placeholders out.
type secretDetector struct {
	name       string
	re         *regexp.Regexp
	minEntropy float64
	// keys are words (lower case) of which a match holds one: user data without any of
	// them is not run through the pattern, which keeps a scan of plain scripts cheap.
	keys []string
}

var secretDetectors = []secretDetector{
	{"AWS secret access key", regexp.MustCompile(`(?i)(?:aws|amazon|amzn|secret[_-]?access|access[_-]?key)[\w.\-]{0,32}?["']?\s*(?:=|:|=>)\s*["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)`), 4.0, []string{"aws", "amazon", "amzn", "secret", "access"}},
	{"AWS session token", regexp.MustCompile(`(?i)aws.?(?:session.?)?token["']?\s*(?:=|:|=>)\s*["']?([A-Za-z0-9/+=]{16,})`), 3.5, []string{"token"}},
	{"private key", regexp.MustCompile(`(-----BEGIN [A-Z0-9 ]{0,20}PRIVATE KEY[A-Z0-9 ]{0,20}-----)`), 0, []string{"private key"}},
	{"private key (base64 PEM)", regexp.MustCompile(`(LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0t|LS0tLS1CRUdJTiBEU0EgUFJJVkFURSBLRVktLS0t|LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0|LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t|LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS)`), 0, []string{"ls0tls1crudjti"}},
	{"password", regexp.MustCompile(`(?i)pass(?:word|wd)?["']?\s*(?:=|:|=>)\s*["']?([^\s"'$<%{}()]{5,})`), 2.5, []string{"pass"}},
	{"password", regexp.MustCompile(`(?i)password\b.{0,16}?["']([^$<%@.,\s'"(){}&/#\-][^\s'"(){}/]{4,})["']`), 2.5, []string{"pass"}},
	{"secret or API key", regexp.MustCompile(`(?i)(?:secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token)[\w.\-]{0,20}?["']?\s*(?:=|:|=>)\s*["']?([0-9A-Za-z_\-]{32,64})\b`), 3.5, []string{"secret", "api", "token"}},
}

// maxUserData bounds what is read of compressed user data (AWS takes 16 KB of it, encoded).
const maxUserData = 1 << 20

func compileSecrets(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	want, ok := l.boolValue(v, FilterSecrets)
	if !ok {
		return nil, "", false
	}
	return func(k resource.Kind) (pred, resource.Needs) {
		var needs resource.Needs
		if k == resource.Instance {
			needs = resource.NeedUserData
		}
		return &secretsPred{want: want}, needs
	}, fmt.Sprint(want), true
}

type secretsPred struct{ want bool }

func (p *secretsPred) match(r *resource.Resource, _ time.Time) bool {
	return (findSecret(r) != "") == p.want
}

func (p *secretsPred) detail(r *resource.Resource) string {
	if !p.want {
		return ""
	}
	return findSecret(r)
}

// findSecret says which secret the resource's user data holds and where ("AWS secret access
// key on line 3 of the user data"), "" when none.
func findSecret(r *resource.Resource) string {
	if r.Kind == resource.LaunchTemplate {
		for _, v := range []string{"DefaultVersion", "LatestVersion"} {
			ver, _ := r.Attrs[v].(map[string]any)
			data, _ := ver["LaunchTemplateData"].(map[string]any)
			ud, _ := data["UserData"].(string)
			if s := scanSecrets(ud); s != "" {
				n, _ := number(ver["VersionNumber"])
				return fmt.Sprintf("%s of version %d (%s)", s, int64(n), strings.TrimSuffix(v, "Version"))
			}
		}
		return ""
	}
	ud, _ := r.Attrs["UserData"].(string)
	return scanSecrets(ud)
}

// scanSecrets runs the detectors over user data, uncompressed first when it is gzip.
func scanSecrets(ud string) string {
	if ud == "" {
		return ""
	}
	if strings.HasPrefix(ud, "\x1f\x8b") {
		zr, err := gzip.NewReader(strings.NewReader(ud))
		if err != nil {
			return ""
		}
		var b bytes.Buffer
		_, err = io.Copy(&b, io.LimitReader(zr, maxUserData))
		if err != nil {
			return ""
		}
		ud = b.String()
	}
	lower := strings.ToLower(ud)
	for _, d := range secretDetectors {
		if !containsAny(lower, d.keys) {
			continue
		}
		for _, m := range d.re.FindAllStringSubmatchIndex(ud, -1) {
			if d.minEntropy > 0 && entropy(ud[m[2]:m[3]]) < d.minEntropy {
				continue
			}
			line := 1 + strings.Count(ud[:m[2]], "\n")
			return fmt.Sprintf("%s on line %d of the user data", d.name, line)
		}
	}
	return ""
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
