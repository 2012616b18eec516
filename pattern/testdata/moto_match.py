"""Match EventBridge patterns with moto's independent implementation, for ec2guard's
differential test. Reads JSON lines {"pattern": "<json>", "event": {...}} on stdin and prints
one line per input: true, false, or error: <message>."""
import json
import sys

from moto.events.models import EventPattern

for line in sys.stdin:
    case = json.loads(line)
    try:
        p = EventPattern.load(case["pattern"])
        print("true" if p.matches_event(case["event"]) else "false")
    except Exception as e:  # noqa: BLE001 - reported to the Go test, line by line
        print("error: " + str(e).replace("\n", " "))
    sys.stdout.flush()
