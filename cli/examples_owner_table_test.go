package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// examples/owners.yaml's commented table form of owners is valid in its place, and validate
// places a bad table spec at its file:line:col.
func TestExampleOwnerTable(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "owners.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The file line, then the commented block of the table form: uncommented, in its place.
	block := regexp.MustCompile(`(?m)^owners: owners/owners\.yaml.*\n((?:#.*\n)*?)# owners:\n((?:#   .*\n)+)`).FindSubmatch(src)
	if block == nil {
		t.Fatal("examples/owners.yaml shows no table form of owners")
	}
	table := "owners:\n" + regexp.MustCompile(`(?m)^# `).ReplaceAllString(string(block[2]), "")
	dir := t.TempDir()
	file := filepath.Join(dir, "owners.yaml")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(strings.Replace(string(src), string(block[0]), table, 1))
	if err := os.CopyFS(filepath.Join(dir, "owners"), os.DirFS(filepath.Join("..", "examples", "owners"))); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "validate", "-r", file); code != 0 || errOut != "" {
		t.Fatalf("validate of the table form: exit %d\n%s%s\n%s", code, out, errOut, table)
	}
	write("owners: {table: ec2guard-owners, topics: [\"arn:aws:sqs:eu-west-1:111122223333:q\"]}\nrules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    actions: [tell-owner]\n")
	if code, out, errOut := runCLI(t, "", "validate", "-r", file); code == 0 || !strings.Contains(out+errOut, file+":1:43: owners: topics: \"arn:aws:sqs:eu-west-1:111122223333:q\" is not an SNS topic ARN") {
		t.Errorf("a bad topic: exit %d\n%s%s", code, out, errOut)
	}
}
