package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/controls"
)

func TestControlsCommand(t *testing.T) {
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if code != 0 && errOut.Len() == 0 {
			t.Errorf("%v: exit %d with nothing said", args, code)
		}
		return out.String(), code
	}
	text, code := run("controls")
	if code != 0 || !strings.Contains(strings.Join(strings.Fields(text), " "), "EC2G-IMDS-1 EC2.8 high instance EC2 instances should use") || strings.Count(text, "\n") != len(controls.All())+1 {
		t.Errorf("controls: %d\n%s", code, text)
	}
	js, code := run("controls", "--format", "json")
	var got struct {
		Controls []struct {
			ID, SecurityHub string
			Pattern         map[string]any
			Parameters      []map[string]any
			Fails           []map[string]string
		}
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil || code != 0 || len(got.Controls) != len(controls.All()) {
		t.Fatalf("controls --format json: %d %v", code, err)
	}
	for _, c := range got.Controls {
		if c.Pattern["source"] == nil || len(c.Fails) == 0 {
			t.Errorf("%s: pattern %v, fails %v", c.ID, c.Pattern, c.Fails)
		}
	}
	md, code := run("controls", "--format", "markdown")
	page, err := os.ReadFile(filepath.Join("..", "docs", "controls.md"))
	if err != nil || code != 0 || md != string(page) {
		t.Errorf("controls --format markdown is not docs/controls.md (%d, %v)", code, err)
	}
	if _, code := run("controls", "--format", "yaml"); code != 2 {
		t.Errorf("an unknown format: exit %d, want 2", code)
	}
}
