// Package source turns inputs into events for the engine: files and standard input (one
// event, a JSON array, NDJSON, or a CloudTrail log file, optionally gzip'd), an SQS queue fed
// by EventBridge, and the Lambda runtime.
package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/ec2guard/ec2guard/event"
)

// Item is one input: an event, or the reason it is not one. Pos says where it came from
// (file:line, file:#index, file:Records[i]).
type Item struct {
	Pos   string
	Event *event.Event
	Err   error
}

// maxInput bounds what one file may hold once decompressed (CloudTrail log files are far
// smaller), so a hostile gzip cannot exhaust memory.
const maxInput = 1 << 30

// Decode reads every event in r, named name in positions, and calls emit for each in order.
// A malformed event is emitted with its error and decoding goes on; only an unreadable input
// stops it (returned).
func Decode(name string, r io.Reader, emit func(Item)) error {
	size, gzSize := sizeHint(r)
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: opening gzip: %w", name, err)
		}
		defer zr.Close()
		br, size = bufio.NewReader(zr), gzSize
	}
	// Read into a buffer of the input's size where it is known: growing one by doubling
	// costs a log file more than decoding it.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, maxInput)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(br, maxInput+1)); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	data := buf.Bytes()
	if len(data) > maxInput {
		return fmt.Errorf("%s: larger than %d bytes once decompressed", name, maxInput)
	}
	data = event.TrimBOM(data)
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil
	case trimmed[0] == '[':
		return decodeArray(name, data, emit)
	case trimmed[0] == '{':
		if recs, ok := cloudTrailRecords(trimmed); ok {
			slab := make([]byte, 0, len(trimmed)+len(recs)*envelopeSize)
			for i, rec := range recs {
				pos := name + ":Records[" + strconv.Itoa(i) + "]"
				it, ok := fastCloudTrail(pos, rec, &slab)
				if !ok {
					it = fromCloudTrail(pos, rec.raw)
				}
				emit(replayed(it))
			}
			return nil
		}
		if decodeObject(name, trimmed, emit) {
			return nil
		}
		if !ndjson(data) {
			// One document that is not valid JSON (a truncated pretty-printed event): one
			// reject where it starts, not one per line.
			start := 1 + bytes.Count(data[:len(data)-len(bytes.TrimLeft(data, " \t\r\n"))], []byte{'\n'})
			emit(Item{Pos: name + ":" + strconv.Itoa(start), Err: event.JSONError(data, json.Unmarshal(data, new(any)), "")})
			return nil
		}
	}
	// NDJSON: one event per line; blank lines are skipped.
	line := 0
	for rest := data; len(rest) > 0; {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte{'\n'})
		line++
		if l = bytes.TrimSpace(l); len(l) == 0 {
			continue
		}
		emit(parse(fmt.Sprintf("%s:%d", name, line), l))
	}
	return nil
}

// decodeObject decodes data, a JSON object, as a CloudTrail log file or one event; it reports
// false when data is not valid JSON (the caller reads NDJSON then). This is the general path
// of log files, which cloudTrailRecords and fastCloudTrail shortcut.
func decodeObject(name string, data []byte, emit func(Item)) bool {
	if !json.Valid(data) {
		return false
	}
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(data, &probe); err == nil && probe.Records != nil {
		for i, rec := range probe.Records {
			emit(replayed(fromCloudTrail(fmt.Sprintf("%s:Records[%d]", name, i), rec)))
		}
		return true
	}
	emit(parse(name+":1", data))
	return true
}

// sizeHint returns the size of r if it is a regular file, and the size its content would have
// once gunzipped (the gzip trailer's ISIZE, modulo 4 GiB); zeros when unknown.
func sizeHint(r io.Reader) (size, gunzipped int) {
	f, ok := r.(interface {
		io.ReaderAt
		Stat() (fs.FileInfo, error)
	})
	if !ok {
		return 0, 0
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, 0
	}
	size = int(min(fi.Size(), maxInput))
	var trailer [4]byte
	if size >= 18 {
		if _, err := f.ReadAt(trailer[:], fi.Size()-4); err == nil {
			gunzipped = int(min(binary.LittleEndian.Uint32(trailer[:]), maxInput))
		}
	}
	return size, gunzipped
}

// ndjson reports whether data, which is not one valid JSON document, reads as one event per
// line: some line is a JSON object by itself. A pretty-printed event has no such line.
func ndjson(data []byte) bool {
	for rest := data; len(rest) > 0; {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte{'\n'})
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] == '{' && json.Valid(l) {
			return true
		}
	}
	return false
}

func decodeArray(name string, data []byte, emit func(Item)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		emit(Item{Pos: name + ":1", Err: fmt.Errorf("not a JSON array: %w", event.JSONError(data, err, ""))})
		return nil
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		at := int(dec.InputOffset())
		if err := dec.Decode(&raw); err != nil {
			// The array itself is broken: what follows cannot be located reliably. The
			// decoder's offsets are of its buffer: the element's line is told instead.
			for at < len(data) && bytes.IndexByte([]byte(" \t\r\n,"), data[at]) >= 0 {
				at++
			}
			line := 1 + bytes.Count(data[:at], []byte{'\n'})
			emit(Item{Pos: fmt.Sprintf("%s:#%d", name, i), Err: fmt.Errorf("malformed JSON array at line %d: %w", line, event.JSONError(nil, err, ""))})
			return nil
		}
		emit(parse(fmt.Sprintf("%s:#%d", name, i), raw))
	}
	return nil
}

func parse(pos string, raw []byte) Item {
	ev, err := event.Parse(raw)
	if err != nil {
		return Item{Pos: pos, Err: err}
	}
	return Item{Pos: pos, Event: ev}
}

// replayed marks the event of a CloudTrail log record as a replay: it was read back from a
// log, not delivered live (event.Event.Replay).
func replayed(it Item) Item {
	if it.Event != nil {
		it.Event.Replay = true
	}
	return it
}

// fromCloudTrail wraps a CloudTrail log record in the EventBridge envelope AWS would deliver
// it in ("AWS API Call via CloudTrail"), so the same rules match replayed logs.
func fromCloudTrail(pos string, rec json.RawMessage) Item {
	var r struct {
		EventID            string `json:"eventID"`
		EventSource        string `json:"eventSource"`
		EventTime          string `json:"eventTime"`
		AWSRegion          string `json:"awsRegion"`
		RecipientAccountID string `json:"recipientAccountId"`
	}
	if err := json.Unmarshal(rec, &r); err != nil {
		return Item{Pos: pos, Err: fmt.Errorf("CloudTrail record: %w", event.JSONError(rec, err, ""))}
	}
	if r.EventID == "" || r.EventSource == "" {
		return Item{Pos: pos, Err: errors.New("CloudTrail record has no eventID or eventSource")}
	}
	svc, _, _ := strings.Cut(r.EventSource, ".")
	env := event.Event{Version: "0", ID: r.EventID, DetailType: event.DetailTypeAPICall, Source: "aws." + svc,
		Account: r.RecipientAccountID, Time: r.EventTime, Region: r.AWSRegion, Resources: []string{}, Detail: rec}
	raw, err := json.Marshal(env)
	if err != nil {
		return Item{Pos: pos, Err: fmt.Errorf("wrapping CloudTrail record: %w", err)}
	}
	return parse(pos, raw)
}
