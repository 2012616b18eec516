package actions

// Mutating reports whether the action named changes AWS state — every action but notify and
// tell-owner — as
// the built action's Mutating says (a test holds them together): validate asks it of rules
// without building their actions.
func Mutating(name string) bool {
	_, known := specs[name]
	return known && name != "notify" && name != "tell-owner"
}
