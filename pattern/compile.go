package pattern

import (
	"fmt"
	"slices"
	"sync"
)

// Matcher is many compiled patterns. It is immutable after Compile and safe for concurrent use.
//
// The event is scanned once. Only the keys the patterns name are visited (every other subtree
// is skipped without decoding), found through a keyNode per object on the way; each scalar
// found at a needed path becomes an entry. Entries are
// then evaluated against a per-path index (exact strings and numbers, prefixes and suffixes by
// hash lookup, other operators in a short list), marking field conditions satisfied.
// Conditions are shared: the same field test in many patterns is one condition, tested once.
// Each branch (one $or alternative of one pattern) is anchored on its least shared condition;
// only branches whose anchor is satisfied are checked in full. The cost grows with what the
// event touches, not with the number of patterns.
type Matcher struct {
	nodes     []keyNode // the keys wanted in the objects at each needed path; 0 is the event itself
	paths     []pathIndex
	conds     []cond
	branches  []branchInfo
	absent    []int32 // branches anchored on nothing an entry can satisfy: always checked
	nPatterns int
	pool      sync.Pool
}

// keyNode is the set of keys wanted in the objects found at one path. The scanner compares
// an event's keys with it directly: no dotted path is built, nothing is hashed, and most
// unwanted keys are rejected by their length alone.
//
// A key may itself hold dots: the node at path "a" wants "b" (an object on the way to a.b.c)
// and "b.c" (the leaf), so {"a":{"b":{"c":1}}} and {"a":{"b.c":1}} reach the same field, as
// the joined path a.b.c says they do.
type keyNode struct {
	lens  [2]uint64 // bit n: some key is n bytes long; keys of 127 bytes or more set bit 127
	keys  []string
	kids  []keyChild
	index map[string]int32 // key → position in keys, when a linear search would be long
}

// keyChild is what one wanted key leads to.
type keyChild struct {
	leaf int32 // the path index of its values, or -1: none is tested there
	node int32 // the keyNode of an object there, or -1: no deeper key is wanted
}

const maxLinearKeys = 8

// find returns the position of key in n.keys, or -1.
func (n *keyNode) find(key []byte) int32 {
	l := min(len(key), 127)
	if n.lens[l>>6]&(1<<(l&63)) == 0 {
		return -1
	}
	if n.index != nil {
		if k, ok := n.index[string(key)]; ok {
			return k
		}
		return -1
	}
	for k, s := range n.keys {
		if s == string(key) {
			return int32(k)
		}
	}
	return -1
}

func (n *keyNode) add(key string, kid keyChild) {
	l := min(len(key), 127)
	n.lens[l>>6] |= 1 << (l & 63)
	n.keys = append(n.keys, key)
	n.kids = append(n.kids, kid)
}

// buildNodes turns the needed paths (path → leaf index, and whether objects there are
// descended into) into keyNodes: node 0 is the event, and each descended path has a node
// that wants every rest of a needed path below it.
func buildNodes(leaves map[string]int32, descend map[string]bool) []keyNode {
	all := make([]string, 0, len(leaves)+len(descend))
	for p := range leaves {
		all = append(all, p)
	}
	for p := range descend {
		if _, ok := leaves[p]; !ok {
			all = append(all, p)
		}
	}
	slices.Sort(all) // deterministic node and key order
	nodeOf := map[string]int32{}
	nodes := []keyNode{{}}
	for _, p := range all {
		if descend[p] {
			nodeOf[p] = int32(len(nodes))
			nodes = append(nodes, keyNode{})
		}
	}
	for _, p := range all {
		kid := keyChild{leaf: -1, node: -1}
		if id, ok := leaves[p]; ok {
			kid.leaf = id
		}
		if id, ok := nodeOf[p]; ok {
			kid.node = id
		}
		nodes[0].add(p, kid)
		for i := 0; i < len(p); i++ {
			if p[i] == '.' {
				nodes[nodeOf[p[:i]]].add(p[i+1:], kid) // every p[:i] is descended
			}
		}
	}
	for i := range nodes {
		if n := &nodes[i]; len(n.keys) > maxLinearKeys {
			n.index = make(map[string]int32, len(n.keys))
			for k, s := range n.keys {
				n.index[s] = int32(k)
			}
		}
	}
	return nodes
}

type cond struct {
	path     int32
	absentOK bool
	field    *field  // for the array-consistency check
	anchors  []int32 // branches anchored on this condition
}

type branchInfo struct {
	pattern int32
	conds   []int32
}

type pathIndex struct {
	exactStr map[string][]int32
	exactNum map[float64][]int32
	lits     [3][]int32 // true, false, null
	exists   []int32
	// Prefixes and suffixes are looked up by length: a value is checked against every
	// distinct length once, however many patterns share the path.
	prefixes, suffixes     map[string][]int32
	prefixLens, suffixLens []int
	other                  []condMatcher
}

type condMatcher struct {
	cond int32
	m    *matcher
}

// Compile builds one matcher for all patterns; Match reports indexes into patterns.
func Compile(patterns []*Pattern) (*Matcher, error) {
	m := &Matcher{nPatterns: len(patterns)}
	pathIDs := map[string]int32{}
	descend := map[string]bool{}
	condIDs := map[string]int32{}
	uses := []int{} // per condition: how many branches use it
	for pi, p := range patterns {
		if p == nil {
			return nil, fmt.Errorf("compiling patterns: pattern %d is nil", pi)
		}
		for _, b := range p.branches {
			info := branchInfo{pattern: int32(pi)}
			for fi := range b {
				f := &b[fi]
				id, ok := pathIDs[f.path]
				if !ok {
					id = int32(len(m.paths))
					pathIDs[f.path] = id
					m.paths = append(m.paths, pathIndex{})
					for i := 0; i < len(f.path); i++ {
						if f.path[i] == '.' {
							descend[f.path[:i]] = true
						}
					}
				}
				cid, ok := condIDs[f.key]
				if !ok {
					cid = int32(len(m.conds))
					condIDs[f.key] = cid
					m.conds = append(m.conds, cond{path: id, absentOK: f.absentOK, field: f})
					uses = append(uses, 0)
					m.paths[id].add(cid, f.matchers)
				}
				if !slices.Contains(info.conds, cid) {
					info.conds = append(info.conds, cid)
					uses[cid]++
				}
			}
			m.branches = append(m.branches, info)
		}
	}
	for bid := range m.branches {
		anchor := int32(-1)
		for _, c := range m.branches[bid].conds {
			cd := &m.conds[c]
			if len(cd.field.matchers) == 0 { // only {"exists": false}: no entry satisfies it
				continue
			}
			if anchor < 0 || uses[c] < uses[anchor] {
				anchor = c
			}
		}
		if anchor < 0 || m.conds[anchor].absentOK {
			// An anchor that absence can satisfy would miss the branch when nothing is there.
			m.absent = append(m.absent, int32(bid))
			continue
		}
		m.conds[anchor].anchors = append(m.conds[anchor].anchors, int32(bid))
	}
	m.nodes = buildNodes(pathIDs, descend)
	m.pool.New = func() any { return m.newState() }
	return m, nil
}

func (pi *pathIndex) add(cid int32, ms []matcher) {
	for i := range ms {
		mt := &ms[i]
		switch mt.kind {
		case kExactString:
			if pi.exactStr == nil {
				pi.exactStr = map[string][]int32{}
			}
			pi.exactStr[mt.str] = appendOnce(pi.exactStr[mt.str], cid)
		case kExactNumber:
			if pi.exactNum == nil {
				pi.exactNum = map[float64][]int32{}
			}
			pi.exactNum[mt.num] = appendOnce(pi.exactNum[mt.num], cid)
		case kExactTrue:
			pi.lits[0] = appendOnce(pi.lits[0], cid)
		case kExactFalse:
			pi.lits[1] = appendOnce(pi.lits[1], cid)
		case kExactNull:
			pi.lits[2] = appendOnce(pi.lits[2], cid)
		case kExists:
			pi.exists = appendOnce(pi.exists, cid)
		case kPrefix:
			pi.prefixes, pi.prefixLens = indexAffix(pi.prefixes, pi.prefixLens, mt.str, cid)
		case kSuffix:
			pi.suffixes, pi.suffixLens = indexAffix(pi.suffixes, pi.suffixLens, mt.str, cid)
		default:
			pi.other = append(pi.other, condMatcher{cond: cid, m: mt})
		}
	}
}

func indexAffix(idx map[string][]int32, lens []int, s string, cid int32) (map[string][]int32, []int) {
	if idx == nil {
		idx = map[string][]int32{}
	}
	if _, ok := idx[s]; !ok && !slices.Contains(lens, len(s)) {
		lens = append(lens, len(s))
		slices.Sort(lens)
	}
	idx[s] = appendOnce(idx[s], cid)
	return idx, lens
}

func appendOnce(ids []int32, id int32) []int32 {
	if n := len(ids); n > 0 && ids[n-1] == id {
		return ids
	}
	return append(ids, id)
}

// state is the scratch space of one Match call, reused through the pool.
type state struct {
	entries      []entry
	keys         []keyMark
	keyBuf       []byte
	buf          []byte
	condSat      []bool
	condTouched  []int32
	candidates   []int32
	present      []bool
	presentTouch []int32
	patSeen      []bool
	patTouched   []int32
	// Array consistency: where entries come from objects inside arrays, each records its
	// array positions (mem); branches completed by such entries are verified at the end.
	arrays    []arrayPos
	mem       []arrayPos
	nextArr   int32
	hasMem    bool
	verify    []int32
	verifyBuf []byte
	pick      []int32
}

func (m *Matcher) newState() any {
	return &state{
		condSat: make([]bool, len(m.conds)),
		present: make([]bool, len(m.paths)),
		patSeen: make([]bool, m.nPatterns),
	}
}

func (st *state) reset() {
	for _, c := range st.condTouched {
		st.condSat[c] = false
	}
	for _, p := range st.presentTouch {
		st.present[p] = false
	}
	for _, p := range st.patTouched {
		st.patSeen[p] = false
	}
	st.condTouched = st.condTouched[:0]
	st.candidates = st.candidates[:0]
	st.presentTouch = st.presentTouch[:0]
	st.patTouched = st.patTouched[:0]
	st.entries = st.entries[:0]
	st.keys = st.keys[:0]
	st.arrays = st.arrays[:0]
	st.mem = st.mem[:0]
	st.nextArr = 0
	st.hasMem = false
	st.verify = st.verify[:0]
}

// Match appends to dst the indexes (into the slice given to Compile) of the patterns the event
// matches, ascending and without duplicates. An event that is not a valid JSON object is an
// error. With enough capacity in dst, Match does not allocate.
func (m *Matcher) Match(event []byte, dst []int) ([]int, error) {
	st := m.pool.Get().(*state)
	defer func() {
		st.reset()
		m.pool.Put(st)
	}()
	if err := m.scanEvent(st, event); err != nil {
		return dst, err
	}
	start := len(dst)
	for i := range st.entries {
		e := &st.entries[i]
		if e.dead {
			continue
		}
		if !st.present[e.path] {
			st.present[e.path] = true
			st.presentTouch = append(st.presentTouch, e.path)
		}
		dst = m.evalEntry(st, event, e, dst)
	}
	for _, list := range [2][]int32{st.candidates, m.absent} {
		for _, bid := range list {
			b := &m.branches[bid]
			if st.patSeen[b.pattern] || !m.holds(st, b) {
				continue
			}
			if st.hasMem {
				st.verify = append(st.verify, bid)
			} else {
				dst = st.matched(b.pattern, dst)
			}
		}
	}
	for _, bid := range st.verify {
		if p := m.branches[bid].pattern; !st.patSeen[p] && m.consistent(st, event, bid) {
			dst = st.matched(p, dst)
		}
	}
	slices.Sort(dst[start:])
	return dst, nil
}

func (st *state) matched(p int32, dst []int) []int {
	if st.patSeen[p] {
		return dst
	}
	st.patSeen[p] = true
	st.patTouched = append(st.patTouched, p)
	return append(dst, int(p))
}

// holds reports whether every condition of b is satisfied, by a value or by absence.
func (m *Matcher) holds(st *state, b *branchInfo) bool {
	for _, c := range b.conds {
		if st.condSat[c] {
			continue
		}
		if cd := &m.conds[c]; !cd.absentOK || st.present[cd.path] {
			return false
		}
	}
	return true
}

func (m *Matcher) satisfy(st *state, c int32, dst []int) []int {
	if st.condSat[c] {
		return dst
	}
	st.condSat[c] = true
	st.condTouched = append(st.condTouched, c)
	st.candidates = append(st.candidates, m.conds[c].anchors...)
	return dst
}

func (m *Matcher) satisfyAll(st *state, ids []int32, dst []int) []int {
	for _, c := range ids {
		dst = m.satisfy(st, c, dst)
	}
	return dst
}

func (m *Matcher) evalEntry(st *state, event []byte, e *entry, dst []int) []int {
	pi := &m.paths[e.path]
	dst = m.satisfyAll(st, pi.exists, dst)
	var v value
	st.buf = decode(&v, event, e, st.buf)
	switch v.typ {
	case typString:
		if ids, ok := pi.exactStr[v.str]; ok {
			dst = m.satisfyAll(st, ids, dst)
		}
		for _, n := range pi.prefixLens {
			if n > len(v.str) {
				break
			}
			if ids, ok := pi.prefixes[v.str[:n]]; ok {
				dst = m.satisfyAll(st, ids, dst)
			}
		}
		for _, n := range pi.suffixLens {
			if n > len(v.str) {
				break
			}
			if ids, ok := pi.suffixes[v.str[len(v.str)-n:]]; ok {
				dst = m.satisfyAll(st, ids, dst)
			}
		}
	case typNumber:
		if ids, ok := pi.exactNum[v.num]; ok {
			dst = m.satisfyAll(st, ids, dst)
		}
	case typTrue:
		dst = m.satisfyAll(st, pi.lits[0], dst)
	case typFalse:
		dst = m.satisfyAll(st, pi.lits[1], dst)
	case typNull:
		dst = m.satisfyAll(st, pi.lits[2], dst)
	}
	for i := range pi.other {
		cm := &pi.other[i]
		if !st.condSat[cm.cond] && cm.m.match(&v) {
			dst = m.satisfy(st, cm.cond, dst)
		}
	}
	return dst
}

// decode fills v from entry e of event, unescaping strings into buf (returned for reuse).
func decode(v *value, event []byte, e *entry, buf []byte) []byte {
	v.typ = e.typ
	raw := event[e.start:e.end]
	switch e.typ {
	case typString:
		if e.esc {
			buf = unescape(buf[:0], raw)
			v.str = bytesToString(buf)
		} else {
			v.str = bytesToString(raw)
		}
	case typNumber:
		f, err := parseFloat(raw)
		if err != nil {
			// Out of float64 range: comparable to nothing, but still a value for anything-but.
			v.typ = typBadNumber
			break
		}
		v.num = f
	}
	return buf
}

// arrayPos is one level of array nesting above an entry: which array, which element.
type arrayPos struct{ array, index int32 }

// maxConsistencySteps bounds the search for an array-consistent choice of entries; an event
// built to make it explode is judged on what was found by then (no match).
const maxConsistencySteps = 1 << 14

// consistent reports whether branch bid can be satisfied by entries that do not come from
// different elements of the same array. EventBridge matches arrays of objects this way: a
// pattern {"a":{"b":[1],"c":[4]}} does not match {"a":[{"b":1,"c":2},{"b":3,"c":4}]}.
func (m *Matcher) consistent(st *state, event []byte, bid int32) bool {
	b := &m.branches[bid]
	// Candidates per condition, flattened: cands[offs[i]:offs[i+1]] are entry indexes.
	cands := st.pick[:0]
	offs := make([]int32, 0, len(b.conds)+1)
	for _, c := range b.conds {
		cd := &m.conds[c]
		offs = append(offs, int32(len(cands)))
		found := false
		for i := range st.entries {
			e := &st.entries[i]
			if e.dead || e.path != cd.path {
				continue
			}
			var v value
			st.verifyBuf = decode(&v, event, e, st.verifyBuf)
			for k := range cd.field.matchers {
				if cd.field.matchers[k].match(&v) {
					cands = append(cands, int32(i))
					found = true
					break
				}
			}
		}
		if !found {
			if cd.absentOK && !st.present[cd.path] {
				cands = append(cands, -1) // satisfied by absence: no constraint
				continue
			}
			st.pick = cands
			return false
		}
	}
	offs = append(offs, int32(len(cands)))
	st.pick = cands
	chosen := make([]int32, len(b.conds))
	steps := 0
	var try func(k int) bool
	try = func(k int) bool {
		if k == len(b.conds) {
			return true
		}
		for _, ei := range cands[offs[k]:offs[k+1]] {
			if steps++; steps > maxConsistencySteps {
				return false
			}
			ok := true
			for j := 0; j < k && ok; j++ {
				ok = st.compatible(ei, chosen[j])
			}
			if ok {
				chosen[k] = ei
				if try(k + 1) {
					return true
				}
			}
		}
		return false
	}
	return try(0)
}

// compatible reports whether two entries could come from one element of every array they
// share. -1 (a condition satisfied by absence) is compatible with everything.
func (st *state) compatible(a, b int32) bool {
	if a < 0 || b < 0 {
		return true
	}
	ea, eb := &st.entries[a], &st.entries[b]
	ma := st.mem[ea.memStart : ea.memStart+ea.memLen]
	mb := st.mem[eb.memStart : eb.memStart+eb.memLen]
	for i := 0; i < len(ma) && i < len(mb); i++ {
		if ma[i].array != mb[i].array {
			return true
		}
		if ma[i].index != mb[i].index {
			return false
		}
	}
	return true
}
