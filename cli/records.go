package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/ec2guard/ec2guard/engine"
)

// appendRecord appends d as a JSON line, byte for byte what encoding/json writes (the fields
// in order, strings escaped alike: anything unusual in a string goes through encoding/json
// itself) at a fraction of its cost: a replayed trail writes a record per event, hundreds of
// thousands of them. records_test.go holds it to encoding/json, field by field.
func appendRecord(b []byte, d engine.Decision) []byte {
	b = appendField(b, `{"time":`, d.Time)
	b = appendField(b, `,"event_id":`, d.EventID)
	b = appendField(b, `,"event_source":`, d.EventSource)
	b = appendField(b, `,"detail_type":`, d.DetailType)
	b = appendField(b, `,"event_name":`, d.EventName)
	b = appendField(b, `,"account":`, d.Account)
	b = appendField(b, `,"region":`, d.Region)
	b = appendField(b, `,"rule":`, d.Rule)
	b = appendField(b, `,"kind":`, string(d.Kind))
	b = appendField(b, `,"resource":`, d.Resource)
	b = appendField(b, `,"action":`, d.Action)
	b = appendField(b, `,"outcome":`, string(d.Outcome))
	b = appendField(b, `,"reason":`, d.Reason)
	b = appendField(b, `,"error":`, d.Error)
	b = append(b, `,"dry_run":`...)
	b = strconv.AppendBool(b, d.DryRun)
	b = append(b, `,"duration_ms":`...)
	if f := math.Abs(d.DurationMS); f == 0 || (f >= 1e-6 && f < 1e21) {
		b = strconv.AppendFloat(b, d.DurationMS, 'f', -1, 64)
	} else {
		v, _ := json.Marshal(d.DurationMS) // exponent form, NaN: encoding/json's own rules
		b = append(b, v...)
	}
	return append(b, "}\n"...)
}

func appendField(b []byte, key, s string) []byte {
	b = append(b, key...)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			v, _ := json.Marshal(s) // escapes, HTML-safe forms, UTF-8 checks
			return append(b, v...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// outcomeColour is the ANSI colour of an outcome in text for people.
var outcomeColour = map[engine.Outcome]string{
	engine.Applied: "32", engine.DryRun: "36", engine.Skipped: "2", engine.Duplicate: "2",
	engine.Suppressed: "33", engine.Failed: "31", engine.Rejected: "31",
}

// appendText appends a decision as one aligned line for people (--format text): outcome,
// rule, action, resource, then why; the outcome coloured when colour is true.
func appendText(b []byte, d engine.Decision, colour bool) []byte {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	outcome := fmt.Sprintf("%-10s", d.Outcome)
	if c := outcomeColour[d.Outcome]; colour && c != "" {
		outcome = "\x1b[" + c + "m" + outcome + "\x1b[0m"
	}
	return fmt.Appendf(b, "%s %-24s %-7s %-21s %s\n", outcome, dash(d.Rule), dash(d.Action), dash(d.Resource), d.Why())
}

// recordFormat checks a --format of decision records.
func recordFormat(f string) (text bool, err error) {
	switch f {
	case "json":
		return false, nil
	case "text":
		return true, nil
	}
	return false, usageError(fmt.Errorf("unknown --format %q (want json or text)", f))
}
