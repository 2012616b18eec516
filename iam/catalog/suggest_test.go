package catalog

import "testing"

func TestNearest(t *testing.T) {
	c := MustLoad()
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"ec2:StopInstance", "ec2:StopInstances", true},
		{"ec2:stopinstance", "ec2:StopInstances", true},
		{"ec2:TerminateInstance", "ec2:TerminateInstances", true},
		{"ec2:DescribeInstnaces", "ec2:DescribeInstances", true},
		{"ec3:StopInstances", "ec2:StopInstances", true}, // the service mistyped
		{"s3:GetObjekt", "s3:GetObject", true},
		{"ec2:MakeCoffee", "", false},
		{"nosuchservice:Foo", "", false},
		{"ec2", "", false},
	} {
		got, ok := c.Nearest(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"stopinstance", "stopinstances", 1}} {
		if got := distance(tt.a, tt.b); got != tt.d {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
