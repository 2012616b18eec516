// Package yamldoc parses the YAML (and JSON) files users give ec2guard — rule files, the
// `iam check` configuration, CloudFormation templates — into a yaml.Node tree, within bounds:
// aliases may not refer to a value that contains them, nor expand the document past a node
// budget (a few hundred bytes of anchors can stand for billions of values), and the document,
// aliases expanded, may not nest deeper than a limit. Code that walks the tree afterwards
// (following aliases) is then bounded too. Every error carries the line and column it is at,
// syntax errors included.
package yamldoc

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"gopkg.in/yaml.v3"
)

// Limits bound a document, aliases expanded.
type Limits struct {
	MaxNodes int // values (scalars, mappings, lists, keys) the document stands for
	MaxDepth int // nesting of mappings and lists
}

// Default suits hand-written files: rule files, configurations, templates.
var Default = Limits{MaxNodes: 200_000, MaxDepth: 100}

// Error is one problem of a document, at a position (1-based).
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg) }

// Parse parses one document and checks its bounds. It returns the document's top node (nil
// for an empty document, which is not an error). Every error is an *Error.
func Parse(src []byte, lim Limits) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, syntaxError(src, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if err := Check(root, lim); err != nil {
		return nil, err
	}
	return root, nil
}

// Check checks a parsed tree's bounds: recursive aliases, the number of values and the
// nesting depth, aliases expanded. It visits each node once.
func Check(root *yaml.Node, lim Limits) error {
	c := &checker{lim: lim, size: map[*yaml.Node]int{}, depth: map[*yaml.Node]int{}, open: map[*yaml.Node]bool{}}
	c.walk(root)
	if c.err != nil {
		return c.err
	}
	if c.size[root] > lim.MaxNodes {
		n := c.heaviest(root)
		return &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("aliases expand the document past %d values: an alias bomb?", lim.MaxNodes)}
	}
	if c.depth[root] > lim.MaxDepth {
		n := c.deepest(root, lim.MaxDepth)
		return &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("the document nests deeper than %d levels", lim.MaxDepth)}
	}
	return nil
}

type checker struct {
	lim         Limits
	size, depth map[*yaml.Node]int
	open        map[*yaml.Node]bool // on the current path: an alias to one of them is recursive
	err         error
}

// walk computes the expanded size and depth of n, once per node; sizes saturate just past the
// budget so that no sum overflows.
func (c *checker) walk(n *yaml.Node) {
	if c.err != nil {
		return
	}
	if _, done := c.size[n]; done {
		return
	}
	if c.open[n] {
		return // reported by the alias that leads here
	}
	c.open[n] = true
	defer delete(c.open, n)
	size, depth := 1, 0
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			c.err = &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("alias *%s refers to no anchor", n.Value)}
			return
		}
		if c.open[n.Alias] {
			c.err = &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("alias *%s refers to a value that contains it (anchor &%s at %d:%d): the value would be infinite",
				n.Value, n.Alias.Anchor, n.Alias.Line, n.Alias.Column)}
			return
		}
		c.walk(n.Alias)
		size, depth = c.size[n.Alias], c.depth[n.Alias]
	case yaml.MappingNode, yaml.SequenceNode, yaml.DocumentNode:
		for _, ch := range n.Content {
			c.walk(ch)
			if c.err != nil {
				return
			}
			size += c.size[ch]
			depth = max(depth, c.depth[ch])
		}
		if n.Kind != yaml.DocumentNode {
			depth++
		}
	}
	c.size[n], c.depth[n] = min(size, c.lim.MaxNodes+1), depth
}

// heaviest finds where the expansion goes past the budget: the smallest value that alone
// stands for too many, and in it the first alias.
func (c *checker) heaviest(n *yaml.Node) *yaml.Node {
	for n.Kind != yaml.AliasNode {
		var next *yaml.Node
		for _, ch := range n.Content {
			if c.size[ch] > c.lim.MaxNodes {
				next = ch
				break
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	if a := firstAlias(n); a != nil {
		return a
	}
	return n
}

func firstAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, ch := range n.Content {
		if a := firstAlias(ch); a != nil {
			return a
		}
	}
	return nil
}

// deepest follows the deepest child down to the value nested past the limit.
func (c *checker) deepest(n *yaml.Node, limit int) *yaml.Node {
	for level := 0; ; {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
			continue
		}
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			level++
		}
		if level > limit || len(n.Content) == 0 {
			return n
		}
		next := n.Content[0]
		for _, ch := range n.Content {
			if c.depth[ch] > c.depth[next] {
				next = ch
			}
		}
		n = next
	}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError places a parse error. yaml.v3 is the parser whose judgement counts, but its
// messages carry a line only, often that of the enclosing construct and counted from 0; a
// second parser that reports token positions places the error when it sees one too.
func syntaxError(src []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(err.Error(), m[0])
	}
	if _, gerr := goccyparser.ParseBytes(src, 0); gerr != nil {
		var se *goccy.SyntaxError
		if errors.As(gerr, &se) && se.Token != nil && se.Token.Position != nil && se.Token.Position.Line > 0 {
			return &Error{Line: se.Token.Position.Line, Column: max(se.Token.Position.Column, 1), Msg: se.Message}
		}
	}
	return &Error{Line: max(line, 1), Column: 1, Msg: msg}
}
