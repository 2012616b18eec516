package notify

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Directory finds the recipient of a resource's owner: an owner map file (*Map) or an owner
// table in DynamoDB (*Table).
type Directory interface {
	Lookup(ctx context.Context, principalID, owner string) (Route, error)
}

// Route is where a directory sends an owner's messages.
type Route struct {
	To         Recipient
	Key        string // the key that chose To: the principal or Owner tag value; "" for the fallback
	EmailTopic string // the SNS topic e-mail recipients subscribe to
}

// Lookup routes as Route does; a file's map never fails.
func (m *Map) Lookup(_ context.Context, principalID, owner string) (Route, error) {
	r, key := m.Route(principalID, owner)
	return Route{To: r, Key: key, EmailTopic: m.EmailTopic}, nil
}

// FallbackKey is the key of an owner table's fallback item: who is told of a resource whose
// owner the table does not name. No principal id, ARN or tag value of an owner is "*".
const FallbackKey = "*"

// DefaultTableKey is an owner table's partition key attribute unless the rule file names
// another; DefaultCache how long an item read is kept.
const (
	DefaultTableKey = "owner"
	DefaultCache    = time.Minute
)

// TableSpec is an owner map kept in a DynamoDB table, as a rule file names it:
//
//	owners:
//	  table: ec2guard-owners                 # its items: {owner: KEY, email: ..., slack: ..., teams: ..., webhook: ..., sns: ...}
//	  key: owner                             # the String partition key attribute (the default)
//	  region: eu-west-1                      # default: the function's own
//	  topics: ["arn:aws:sns:eu-west-1:111122223333:team-*"]   # the SNS topics items may name
//	  email-topic: arn:aws:sns:eu-west-1:111122223333:owners-mail
//	  cache: 1m                              # how long an item read is kept in the process
//
// The item whose key is FallbackKey is the fallback. A table's items are not known when the
// rule file is loaded or deployed, so the topics they may name are listed in the file: a
// deployment grants sns:Publish on those, and an item naming another is an error.
type TableSpec struct {
	Table      string
	Key        string // default DefaultTableKey
	Region     string // "": the clients' own
	Topics     []string
	EmailTopic string
	Cache      time.Duration // 0: DefaultCache; negative: no cache
}

// Items reads an owner table's items by their String partition key (awsapi.Clients is one):
// the items found, by key, their attributes as Go values (a String attribute is a string).
type Items interface {
	OwnerItems(ctx context.Context, region, table, keyAttr string, keys []string) (map[string]map[string]any, error)
}

// Table is an owner map read from DynamoDB as messages are sent: each key is read once and
// kept for the spec's Cache, so that a scan telling many owners reads each owner's item once.
type Table struct {
	spec  TableSpec
	items Items
	opts  Options
	Now   func() time.Time // the cache's clock; default time.Now

	mu    sync.Mutex
	cache map[string]cachedItem
}

type cachedItem struct {
	at    time.Time
	found bool
	to    Recipient
	err   error // a malformed item: its problem
}

// NewTable returns the owner table of spec, read through items; URLs are checked with opts
// as a file's are.
func NewTable(spec TableSpec, items Items, opts Options) *Table {
	spec.Key = cmpOr(spec.Key, DefaultTableKey)
	if spec.Cache == 0 {
		spec.Cache = DefaultCache
	}
	return &Table{spec: spec, items: items, opts: opts, Now: time.Now, cache: map[string]cachedItem{}}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Spec is what the table was made of.
func (t *Table) Spec() TableSpec { return t.spec }

// Lookup reads the items of the principal, the Owner tag value and the fallback (those not
// cached, in one request) and routes as a file's map does: the principal's item first, then
// the owner's, else the fallback. A malformed item on that way is an error, not skipped: it
// says whom the table meant to tell.
func (t *Table) Lookup(ctx context.Context, principalID, owner string) (Route, error) {
	var keys []string
	for _, k := range []string{principalID, owner, FallbackKey} {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	got, err := t.read(ctx, keys)
	if err != nil {
		return Route{}, err
	}
	for _, k := range keys {
		it := got[k]
		switch {
		case it.err != nil:
			return Route{}, fmt.Errorf("owner table %s: item %q: %w", t.spec.Table, k, it.err)
		case !it.found:
			continue
		}
		key := k
		if k == FallbackKey {
			key = ""
		}
		return Route{To: it.to, Key: key, EmailTopic: t.spec.EmailTopic}, nil
	}
	return Route{}, fmt.Errorf("owner table %s has no item for %s and no fallback item (%s = %q)",
		t.spec.Table, strings.Join(quoted(keys[:len(keys)-1]), " or "), t.spec.Key, FallbackKey)
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	if len(out) == 0 {
		return []string{"the resource (it names no owner)"}
	}
	return out
}

// read returns the items of keys, from the cache while fresh, else from the table; a failed
// read is not kept.
func (t *Table) read(ctx context.Context, keys []string) (map[string]cachedItem, error) {
	now := t.Now()
	got := map[string]cachedItem{}
	var missing []string
	t.mu.Lock()
	for _, k := range keys {
		if it, ok := t.cache[k]; ok && t.spec.Cache > 0 && now.Sub(it.at) < t.spec.Cache {
			got[k] = it
		} else {
			missing = append(missing, k)
		}
	}
	t.mu.Unlock()
	if len(missing) == 0 {
		return got, nil
	}
	items, err := t.items.OwnerItems(ctx, t.spec.Region, t.spec.Table, t.spec.Key, missing)
	if err != nil {
		return nil, fmt.Errorf("reading owner table %s: %w", t.spec.Table, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range missing {
		it := cachedItem{at: now}
		if attrs, ok := items[k]; ok {
			it.found = true
			it.to, it.err = t.recipient(attrs)
		}
		got[k] = it
		if t.spec.Cache > 0 {
			t.cache[k] = it
		}
	}
	return got, nil
}

// recipient reads an item as a file's entry is read: each channel a string, checked alike;
// an SNS topic among the spec's topics; an e-mail only with the spec's email-topic.
func (t *Table) recipient(attrs map[string]any) (Recipient, error) {
	var r Recipient
	var errs []error
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names) // errors in one order
	for _, name := range names {
		if name == t.spec.Key {
			continue
		}
		v, ok := attrs[name].(string)
		if !ok {
			errs = append(errs, fmt.Errorf("%s is a %s, not a string", name, typeName(attrs[name])))
			continue
		}
		known, err := r.set(name, v, t.opts)
		switch {
		case !known:
			err = fmt.Errorf("unknown attribute %q: an item has %s, email, slack, teams, webhook and sns", name, t.spec.Key)
		case err == nil && name == "sns" && !TopicAllowed(t.spec.Topics, v):
			err = fmt.Errorf("%s is not among the owner map's topics, the ones a deployment lets ec2guard publish to", v)
		case err == nil && name == "email" && t.spec.EmailTopic == "":
			err = errors.New("an e-mail recipient needs the owner map's email-topic")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if len(errs) == 0 && r.Empty() {
		errs = append(errs, errors.New("no channel: give email, slack, teams, webhook or sns"))
	}
	return r, errors.Join(errs...)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case []any, []string:
		return "list or set"
	case map[string]any:
		return "map"
	case []byte:
		return "binary"
	}
	return "number"
}

// TopicAllowed says whether topic matches one of patterns (SNS topic ARNs in which * is any
// run of characters, as IAM reads a policy's Resource).
func TopicAllowed(patterns []string, topic string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, topic); ok { // a pattern holds no ?, [ or backslash (CheckTableField)
			return true
		}
	}
	return false
}

// topicPattern is an SNS topic ARN whose parts may hold *.
var topicPattern = regexp.MustCompile(`^arn:(aws[a-z-]*|\*):sns:([a-z0-9-]+|\*):([0-9]{12}|\*):[A-Za-z0-9_*.-]{1,256}$`)

// tableName is a DynamoDB table's name.
var tableName = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// CheckTableField says what is wrong with one field of a TableSpec as written: table, key,
// region, email-topic, or topic (one of topics). The caller places it (a rule file's
// line and column).
func CheckTableField(field, v string) error {
	switch field {
	case "table":
		if !tableName.MatchString(v) {
			return fmt.Errorf("%q is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)", v)
		}
	case "key":
		if v == "" {
			return errors.New("the partition key attribute's name is empty")
		}
	case "region":
		if !region.MatchString(v) {
			return fmt.Errorf("%q is not an AWS region (eu-west-1)", v)
		}
	case "email-topic":
		if !topicARN.MatchString(v) {
			return fmt.Errorf("%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", v)
		}
	case "topic":
		if !topicPattern.MatchString(v) {
			return fmt.Errorf("%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME, * for any run of characters)", v)
		}
	default:
		return fmt.Errorf("unknown field %q", field)
	}
	return nil
}

var region = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
