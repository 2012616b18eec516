package severity

import "testing"

func TestParseAndText(t *testing.T) {
	for _, s := range []Level{Low, Medium, High, Critical} {
		got, err := Parse(s.String())
		if err != nil || got != s {
			t.Errorf("Parse(%q) = %v, %v", s, got, err)
		}
		var u Level
		if err := u.UnmarshalText([]byte(map[Level]string{Low: "LOW", Medium: "Medium", High: "high", Critical: "CRITICAL"}[s])); err != nil || u != s {
			t.Errorf("UnmarshalText of %v: %v, %v", s, u, err)
		}
	}
	if _, err := Parse("severe"); err == nil || err.Error() != `unknown severity "severe" (want low, medium, high or critical)` {
		t.Errorf("Parse(severe): %v", err)
	}
	var u Level = High
	if err := u.UnmarshalText([]byte("nope")); err == nil || u != High {
		t.Errorf("a bad name changed the level to %v (%v)", u, err)
	}
	if Level(9).String() != "severity(9)" || !(Low < Medium && Medium < High && High < Critical) {
		t.Error("order or names")
	}
}
