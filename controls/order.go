package controls

import (
	"strconv"
	"strings"
)

// compareIDs orders our IDs by area, then number (EC2G-NET-2 before EC2G-NET-10).
func compareIDs(a, b string) int {
	aa, an := splitID(a)
	ba, bn := splitID(b)
	if c := strings.Compare(aa, ba); c != 0 {
		return c
	}
	return an - bn
}

func splitID(id string) (string, int) {
	i := strings.LastIndexByte(id, '-')
	n, _ := strconv.Atoi(id[i+1:])
	return id[:i], n
}
