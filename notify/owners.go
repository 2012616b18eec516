package notify

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/internal/yamldoc"
)

// Recipient is where one owner's notifications go; any number of the channels.
type Recipient struct {
	Email   string // through the map's e-mail topic, with the email attribute
	Slack   string // a Slack incoming-webhook URL
	Teams   string // a Microsoft Teams (Workflows) incoming-webhook URL
	Webhook string // any URL that takes the generic JSON body
	SNS     string // an SNS topic ARN
}

// Empty says the recipient has no channel.
func (r Recipient) Empty() bool { return r == Recipient{} }

// Map routes an owner to their recipient: by principal id (or ARN) first, then by Owner tag
// value, else the fallback.
type Map struct {
	Owners     map[string]Recipient
	Fallback   Recipient
	EmailTopic string // the SNS topic e-mail recipients subscribe to (with a filter policy on email)
}

// Route returns the recipient of a resource with this creator principal and Owner tag, and
// the key that chose it ("" for the fallback).
func (m *Map) Route(principalID, owner string) (Recipient, string) {
	for _, k := range []string{principalID, owner} {
		if k == "" {
			continue
		}
		if r, ok := m.Owners[k]; ok {
			return r, k
		}
	}
	return m.Fallback, ""
}

// MapError is one problem of an owner map file, at its file:line:col.
type MapError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *MapError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Options configure how a map's URLs are checked.
type Options struct {
	// AllowLoopbackHTTP admits http:// URLs to loopback hosts (127.0.0.0/8, ::1, localhost), for
	// tests against a local server. Every other URL must be https.
	AllowLoopbackHTTP bool
}

// LoadMap reads an owner map file (YAML or JSON):
//
//	email-topic: arn:aws:sns:eu-west-1:111122223333:owners-mail
//	fallback: {sns: arn:aws:sns:eu-west-1:111122223333:ops}
//	owners:
//	  alice: {email: alice@example.com, slack: https://hooks.slack.com/services/T0/B0/x}
//	  AIDAEXAMPLEBOB: {teams: https://example.webhook.office.com/..., webhook: https://..., sns: arn:...}
//
// Every problem is reported, each at its position (the error is errors.Join of *MapError).
func LoadMap(file string, src []byte, opts Options) (*Map, error) {
	l := &mapLoader{file: file, opts: opts}
	top, err := yamldoc.Parse(src, yamldoc.Default)
	if err != nil {
		var ye *yamldoc.Error
		if errors.As(err, &ye) {
			return nil, &MapError{file, ye.Line, ye.Column, ye.Msg}
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	m := &Map{Owners: map[string]Recipient{}}
	if top == nil {
		return nil, &MapError{file, 1, 1, "empty owner map: give owners and a fallback"}
	}
	root := deref(top)
	if root.Kind != yaml.MappingNode {
		return nil, l.at(root, "an owner map is a mapping with owners, fallback and email-topic")
	}
	var fallbackSeen bool
	var emailAt *yaml.Node
	for k, v := range pairs(root) {
		switch k.Value {
		case "owners":
			if v.Kind != yaml.MappingNode {
				l.add(v, "owners is a mapping of principal ids and Owner tag values to recipients")
				continue
			}
			for ok, ov := range pairs(v) {
				if ok.Value == "" {
					l.add(ok, "an owner's key is empty")
					continue
				}
				if _, dup := m.Owners[ok.Value]; dup {
					l.add(ok, fmt.Sprintf("owner %q is given twice", ok.Value))
					continue
				}
				r := l.recipient(ov, ok.Value)
				if r.Email != "" && emailAt == nil {
					emailAt = ov
				}
				m.Owners[ok.Value] = r
			}
		case "fallback":
			fallbackSeen = true
			m.Fallback = l.recipient(v, "the fallback")
			if m.Fallback.Email != "" && emailAt == nil {
				emailAt = v
			}
		case "email-topic":
			if v.Kind != yaml.ScalarNode || !topicARN.MatchString(v.Value) {
				l.add(v, "email-topic is an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
			}
			m.EmailTopic = v.Value
		default:
			l.add(k, fmt.Sprintf("unknown key %q: an owner map has owners, fallback and email-topic", k.Value))
		}
	}
	if !fallbackSeen {
		l.add(root, "no fallback: say who is told of a resource whose owner the map does not name")
	}
	if emailAt != nil && m.EmailTopic == "" {
		l.add(emailAt, "an e-mail recipient needs email-topic: the SNS topic whose e-mail subscriptions filter on the email attribute")
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return m, nil
}

type mapLoader struct {
	file string
	opts Options
	errs []error
}

func (l *mapLoader) at(n *yaml.Node, msg string) *MapError {
	return &MapError{l.file, n.Line, n.Column, msg}
}

func (l *mapLoader) add(n *yaml.Node, msg string) { l.errs = append(l.errs, l.at(n, msg)) }

var topicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

func (l *mapLoader) recipient(n *yaml.Node, who string) Recipient {
	var r Recipient
	if n.Kind != yaml.MappingNode {
		l.add(n, who+": a recipient is a mapping of email, slack, teams, webhook and sns")
		return r
	}
	for k, v := range pairs(n) {
		if v.Kind != yaml.ScalarNode {
			l.add(v, fmt.Sprintf("%s: %s is a string", who, k.Value))
			continue
		}
		known, err := r.set(k.Value, v.Value, l.opts)
		if !known {
			l.add(k, fmt.Sprintf("%s: unknown channel %q: email, slack, teams, webhook or sns", who, k.Value))
			continue
		}
		if err != nil {
			l.add(v, fmt.Sprintf("%s: %s: %v", who, k.Value, err))
		}
	}
	if r.Empty() {
		l.add(n, who+": no channel: give email, slack, teams, webhook or sns")
	}
	return r
}

// set gives the recipient a channel's value, checked as every owner map checks it (a file's
// entry, a table's item); known is false for a channel that does not exist.
func (r *Recipient) set(channel, v string, opts Options) (known bool, err error) {
	switch channel {
	case "email":
		var a *mail.Address
		if a, err = mail.ParseAddress(v); err == nil && a.Address != v {
			err = errors.New("give the address alone")
		}
		if err != nil {
			err = fmt.Errorf("%q is not an e-mail address: %v", v, err)
		}
		r.Email = v
	case "slack":
		r.Slack, err = v, CheckURL(v, opts.AllowLoopbackHTTP)
	case "teams":
		r.Teams, err = v, CheckURL(v, opts.AllowLoopbackHTTP)
	case "webhook":
		r.Webhook, err = v, CheckURL(v, opts.AllowLoopbackHTTP)
	case "sns":
		if !topicARN.MatchString(v) {
			err = fmt.Errorf("%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", v)
		}
		r.SNS = v
	default:
		return false, nil
	}
	return true, err
}

// CheckURL says whether a webhook URL may be used: https, with a host and no user
// information; http only to a loopback host and only when allowLoopbackHTTP.
func CheckURL(raw string, allowLoopbackHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%s has no host", Redact(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%s has user information: put no credentials in the URL's host part", Redact(raw))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if !allowLoopbackHTTP {
			return fmt.Errorf("%s is not https: webhooks are sent over https only", Redact(raw))
		}
		if !loopback(u.Hostname()) {
			return fmt.Errorf("%s is http to a host that is not loopback: only https, or http to loopback in tests", Redact(raw))
		}
		return nil
	}
	return fmt.Errorf("%s is not https: webhooks are sent over https only", Redact(raw))
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact shows a webhook URL without its path and query, which hold its secret (a Slack
// webhook's path is its token).
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "a URL"
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return n
		}
	}
	return n
}

// pairs yields a mapping's keys and values (aliases followed), in file order.
func pairs(n *yaml.Node) func(func(k, v *yaml.Node) bool) {
	return func(yield func(k, v *yaml.Node) bool) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(deref(n.Content[i]), deref(n.Content[i+1])) {
				return
			}
		}
	}
}

// Keys lists the owners the map names, sorted.
func (m *Map) Keys() []string {
	keys := make([]string, 0, len(m.Owners))
	for k := range m.Owners {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
