package notify

import (
	"context"
	"errors"
	"maps"
)

// Publisher publishes to SNS (awsapi.Clients is one).
type Publisher interface {
	Publish(ctx context.Context, topicARN, subject, message string, attrs map[string]string) (string, error)
}

// Sender delivers messages to recipients on every channel they have.
type Sender struct {
	Webhooks   *Webhooks
	SNS        Publisher // nil: SNS and e-mail channels fail
	EmailTopic string    // the map's email-topic
}

// Delivery is the outcome of one channel.
type Delivery struct {
	Channel  string // email, slack, teams, webhook, sns
	To       string // the address, the topic, or the webhook's redacted URL
	Attempts int    // webhook attempts
	ID       string // SNS message id
	Err      error
}

// Deliver sends m on each of r's channels, all of them whatever fails, and reports each.
func (s *Sender) Deliver(ctx context.Context, r Recipient, m Message) []Delivery {
	var out []Delivery
	publish := func(channel, to, topic string, attrs map[string]string) {
		d := Delivery{Channel: channel, To: to}
		if s.SNS == nil || topic == "" {
			d.Err = errors.New("no SNS topic to publish to")
		} else {
			d.ID, d.Err = s.SNS.Publish(ctx, topic, m.Subject(), m.Text(), attrs)
		}
		out = append(out, d)
	}
	if r.SNS != "" {
		publish("sns", r.SNS, r.SNS, m.Attributes())
	}
	if r.Email != "" {
		attrs := m.Attributes()
		maps.Copy(attrs, map[string]string{AttrEmail: r.Email})
		publish("email", r.Email, s.EmailTopic, attrs)
	}
	hooks := s.Webhooks
	if hooks == nil {
		hooks = &Webhooks{}
	}
	for _, h := range []struct {
		f   Format
		url string
	}{{Slack, r.Slack}, {Teams, r.Teams}, {Generic, r.Webhook}} {
		if h.url == "" {
			continue
		}
		d := Delivery{Channel: string(h.f), To: Redact(h.url)}
		d.Attempts, d.Err = hooks.Send(ctx, h.f, h.url, m)
		out = append(out, d)
	}
	return out
}
