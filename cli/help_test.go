package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Help texts and the README say the thing itself: users have neither the product spec nor
// its section numbers. A command's usage line names its --format when it has one.
func TestHelpSaysTheThingItself(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		texts := []string{c.Use, c.Short, c.Long, c.Example}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { texts = append(texts, f.Usage) })
		for _, s := range texts {
			if strings.Contains(s, "PRODUCT") || strings.Contains(s, "§") {
				t.Errorf("ec2guard %s --help cites the product spec: %q", c.CommandPath(), s)
			}
		}
		if c.LocalFlags().Lookup("format") != nil && !strings.Contains(c.Use, "--format") {
			t.Errorf("%s: the usage line %q does not name --format", c.CommandPath(), c.Use)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand(&IO{}))
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "PRODUCT") || strings.Contains(line, "§") {
			t.Errorf("README.md:%d cites the product spec: %s", i+1, line)
		}
	}
}

// ec2guard completion writes cobra's completion scripts, which complete subcommands.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut := runCLI(t, "", "completion", shell)
		if code != 0 || !strings.Contains(out, "ec2guard") {
			t.Errorf("completion %s: exit %d\n%s", shell, code, errOut)
		}
	}
	code, out, _ := runCLI(t, "", "__complete", "se")
	if code != 0 || !strings.Contains(out, "serve") {
		t.Errorf("completing \"se\": exit %d\n%s", code, out)
	}
}
