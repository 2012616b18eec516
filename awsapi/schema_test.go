package awsapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

//go:generate go test -run TestSchemaGenerated . -args -update

var update = flag.Bool("update", false, "rewrite ../resource/schema.json from the SDK's types")

// TestSchemaGenerated holds resource/schema.json to the SDK's types: an SDK upgrade that
// changes a shape fails here until go generate ./awsapi is rerun.
func TestSchemaGenerated(t *testing.T) {
	want, err := json.MarshalIndent(generatedSchema(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	const path = "../resource/schema.json"
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with the SDK's types: run go generate ./awsapi", path)
	}
}
