package actions

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSettingsParams(t *testing.T) {
	for _, tt := range []struct {
		name   string
		params map[string]any
		want   string // the configuration, or the error
	}{
		{"require-imdsv2", nil, "{HopLimit:0}"},
		{"require-imdsv2", map[string]any{"hop-limit": float64(2)}, "{HopLimit:2}"},
		{"require-imdsv2", map[string]any{"hop-limit": json.Number("64")}, "{HopLimit:64}"}, // as the loader reads it
		{"require-imdsv2", map[string]any{"hop-limit": json.Number("1.5")}, "from 1 to 64, got 1.5"},
		{"require-imdsv2", map[string]any{"hop-limit": float64(0)}, `parameter "hop-limit": must be a whole number from 1 to 64, got 0`},
		{"require-imdsv2", map[string]any{"hop-limit": float64(65)}, "from 1 to 64, got 65"},
		{"require-imdsv2", map[string]any{"hop-limit": 1.5}, "from 1 to 64, got 1.5"},
		{"require-imdsv2", map[string]any{"hop-limit": "2"}, "from 1 to 64, got 2"},
		{"require-imdsv2", map[string]any{"tokens": "required"}, `unknown parameter "tokens" (known: hop-limit)`},
		{"make-private", nil, "{}"},
		{"make-private", map[string]any{"force": true}, `takes no parameters, got "force"`},
		{"enable-ebs-encryption-by-default", nil, "{}"},
		{"block-public-access", nil, "{Snapshots:true Images:true SnapshotState:block-all-sharing}"},
		{"block-public-access", map[string]any{"for": []any{"images"}}, "{Snapshots:false Images:true SnapshotState:block-all-sharing}"},
		{"block-public-access", map[string]any{"for": []any{"snapshots"}, "state": "block-new-sharing"}, "{Snapshots:true Images:false SnapshotState:block-new-sharing}"},
		{"block-public-access", map[string]any{"for": []any{"images"}, "state": "block-new-sharing"}, "state is the snapshots' block public access"},
		{"block-public-access", map[string]any{"for": []any{}}, `parameter "for": must be a non-empty list of snapshots, images`},
		{"block-public-access", map[string]any{"for": []any{"volumes"}}, "must list only snapshots, images, got volumes"},
		{"block-public-access", map[string]any{"for": []any{"images", "images"}}, "lists images twice"},
		{"block-public-access", map[string]any{"for": "images"}, "must be a non-empty list"},
		{"block-public-access", map[string]any{"state": "block-some"}, `parameter "state": must be one of block-all-sharing, block-new-sharing, got block-some`},
		{"revoke-ingress", nil, "{}"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"10.0.0.0/8", "2001:db8::/32"}}, "{CIDRs:[10.0.0.0/8 2001:db8::/32]}"},
		{"restrict-ingress", nil, `parameter "cidrs" is required`},
		{"restrict-ingress", map[string]any{"cidrs": []any{}}, "must be a non-empty list of CIDRs"},
		{"restrict-ingress", map[string]any{"cidrs": "10.0.0.0/8"}, "must be a non-empty list of CIDRs"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"10.0.0.0"}}, "10.0.0.0 is not a CIDR"},
		{"restrict-ingress", map[string]any{"cidrs": []any{7}}, "7 is not a CIDR"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"10.1.2.3/8"}}, "write 10.0.0.0/8"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"0.0.0.0/0"}}, "0.0.0.0/0 is the whole internet"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"10.0.0.0/8", "::/0"}}, "::/0 is the whole internet"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"::ffff:10.0.0.0/104"}}, "IPv4-mapped"},
		{"restrict-ingress", map[string]any{"cidrs": []any{"10.0.0.0/8", "10.0.0.0/8"}}, "lists 10.0.0.0/8 twice"},
		{"quarantine", nil, "{Snapshot:false}"},
		{"quarantine", map[string]any{"snapshot": true}, "{Snapshot:true}"},
		{"quarantine", map[string]any{"snapshot": "yes"}, `parameter "snapshot": must be true or false`},
		{"quarantine", map[string]any{"group": "x"}, `unknown parameter "group" (known: snapshot)`},
	} {
		cfg, err := Parse(tt.name, tt.params)
		got := fmt.Sprintf("%+v", cfg)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("Parse(%s, %v) = %s, want %s", tt.name, tt.params, got, tt.want)
		}
		if err == nil && (cfg.Action() != tt.name || !Mutating(tt.name)) {
			t.Errorf("%s: Action %q, mutating %v", tt.name, cfg.Action(), Mutating(tt.name))
		}
	}
}

// Each call on the kind it acts on, granted to a rule that judges that kind; the account's
// calls have no resource-level permission (the IAM catalog's), the rest are on the resource.
func TestSettingsPermissions(t *testing.T) {
	for _, tt := range []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"require-imdsv2", nil, "instance [ec2:ModifyInstanceMetadataOptions] on [instance]; launch-template [ec2:CreateLaunchTemplateVersion ec2:ModifyLaunchTemplate] on [launch-template]; account [ec2:ModifyInstanceMetadataDefaults] on [*]"},
		{"make-private", nil, "snapshot [ec2:ModifySnapshotAttribute] on [snapshot]; image [ec2:ModifyImageAttribute] on [image] if map[Bool:map[ec2:Public:true]]"},
		{"enable-ebs-encryption-by-default", nil, "account [ec2:EnableEbsEncryptionByDefault] on [*]"},
		{"block-public-access", nil, "account [ec2:EnableImageBlockPublicAccess ec2:EnableSnapshotBlockPublicAccess] on [*]"},
		{"block-public-access", map[string]any{"for": []any{"snapshots"}}, "account [ec2:EnableSnapshotBlockPublicAccess] on [*]"},
		{"block-public-access", map[string]any{"for": []any{"images"}}, "account [ec2:EnableImageBlockPublicAccess] on [*]"},
	} {
		var got []string
		for _, p := range Permissions(tt.name, tt.params) {
			on := fmt.Sprint(p.Resources)
			if len(p.On) > 0 {
				on = fmt.Sprint(p.On)
				if !p.FilterScoped || !strings.Contains(on, string(p.For)) {
					t.Errorf("%s: %+v acts on the resource judged", tt.name, p)
				}
			}
			g := fmt.Sprintf("%s %v on %s", p.For, p.Actions, on)
			if p.Condition != nil {
				g += fmt.Sprintf(" if %v", p.Condition)
			}
			got = append(got, g)
		}
		if strings.Join(got, "; ") != tt.want {
			t.Errorf("Permissions(%s, %v) =\n%s\nwant\n%s", tt.name, tt.params, strings.Join(got, "; "), tt.want)
		}
	}
}
