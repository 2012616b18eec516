package awsapi

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

// The EC2 calls the readers make (read*.go) are the actions resource.ReadActions lists, which
// deploy grants: a reader that learns a call the table lacks fails here, not in a deployed
// function's AccessDenied.
func TestReadersCallWhatDeployGrants(t *testing.T) {
	files, err := filepath.Glob("read*.go")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\.cl\.([A-Z]\w+)\(|ec2\.New(\w+)Paginator\(`)
	var got []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			got = append(got, "ec2:"+m[1]+m[2])
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if want := resource.AllReadActions(); !slices.Equal(got, want) {
		t.Fatalf("the readers call %v;\nresource.ReadActions lists %v", got, want)
	}
}
