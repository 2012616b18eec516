package pattern

import (
	"fmt"
	"slices"
	"sync"
)

// Matcher is many compiled patterns. It is immutable after Compile and safe for concurrent use.
//
// The event is scanned once. Only the keys the patterns name are visited (every other subtree
// is skipped without decoding); each scalar found at a needed path becomes an entry. Entries are
// then evaluated against a per-path index (exact strings and numbers by hash lookup, other
// operators in a short list), marking field conditions satisfied and counting them per branch:
// a branch (one $or alternative of one pattern) matches when all its conditions are satisfied.
// The cost grows with what the event touches, not with the number of patterns.
type Matcher struct {
	lookup    map[string]uint32 // dotted path → pathID+1 (0: not a leaf) | prefixFlag
	paths     []pathIndex
	conds     []cond
	branches  []branchInfo
	absent    []int32 // branches holding a field that {"exists": false} can satisfy
	nPatterns int
	pool      sync.Pool
}

const prefixFlag = 1 << 31

type cond struct {
	branch   int32
	path     int32
	absentOK bool
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
	other    []condMatcher
}

type condMatcher struct {
	cond int32
	m    *matcher
}

// Compile builds one matcher for all patterns; Match reports indexes into patterns.
func Compile(patterns []*Pattern) (*Matcher, error) {
	m := &Matcher{lookup: map[string]uint32{}, nPatterns: len(patterns)}
	pathIDs := map[string]int32{}
	for pi, p := range patterns {
		if p == nil {
			return nil, fmt.Errorf("compiling patterns: pattern %d is nil", pi)
		}
		for _, b := range p.branches {
			bid := int32(len(m.branches))
			info := branchInfo{pattern: int32(pi)}
			hasAbsent := false
			for fi := range b {
				f := &b[fi]
				id, ok := pathIDs[f.path]
				if !ok {
					id = int32(len(m.paths))
					pathIDs[f.path] = id
					m.paths = append(m.paths, pathIndex{})
					m.lookup[f.path] |= uint32(id + 1)
					for i := 0; i < len(f.path); i++ {
						if f.path[i] == '.' {
							m.lookup[f.path[:i]] |= prefixFlag
						}
					}
				}
				cid := int32(len(m.conds))
				m.conds = append(m.conds, cond{branch: bid, path: id, absentOK: f.absentOK})
				info.conds = append(info.conds, cid)
				hasAbsent = hasAbsent || f.absentOK
				m.paths[id].add(cid, f.matchers)
			}
			m.branches = append(m.branches, info)
			if hasAbsent {
				m.absent = append(m.absent, bid)
			}
		}
	}
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
		default:
			pi.other = append(pi.other, condMatcher{cond: cid, m: mt})
		}
	}
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
	path         []byte
	buf          []byte
	condSat      []bool
	condTouched  []int32
	branchCnt    []int32
	branchTouch  []int32
	present      []bool
	presentTouch []int32
	patSeen      []bool
	patTouched   []int32
}

func (m *Matcher) newState() any {
	return &state{
		condSat:   make([]bool, len(m.conds)),
		branchCnt: make([]int32, len(m.branches)),
		present:   make([]bool, len(m.paths)),
		patSeen:   make([]bool, m.nPatterns),
		path:      make([]byte, 0, 128),
	}
}

func (st *state) reset() {
	for _, c := range st.condTouched {
		st.condSat[c] = false
	}
	for _, b := range st.branchTouch {
		st.branchCnt[b] = 0
	}
	for _, p := range st.presentTouch {
		st.present[p] = false
	}
	for _, p := range st.patTouched {
		st.patSeen[p] = false
	}
	st.condTouched = st.condTouched[:0]
	st.branchTouch = st.branchTouch[:0]
	st.presentTouch = st.presentTouch[:0]
	st.patTouched = st.patTouched[:0]
	st.entries = st.entries[:0]
	st.keys = st.keys[:0]
	st.path = st.path[:0]
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
	for _, bid := range m.absent {
		b := &m.branches[bid]
		if st.patSeen[b.pattern] {
			continue
		}
		n := st.branchCnt[bid]
		for _, c := range b.conds {
			cd := &m.conds[c]
			if !st.condSat[c] && cd.absentOK && !st.present[cd.path] {
				n++
			}
		}
		if int(n) == len(b.conds) {
			dst = st.matched(b.pattern, dst)
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

func (m *Matcher) satisfy(st *state, c int32, dst []int) []int {
	if st.condSat[c] {
		return dst
	}
	st.condSat[c] = true
	st.condTouched = append(st.condTouched, c)
	bid := m.conds[c].branch
	if st.branchCnt[bid] == 0 {
		st.branchTouch = append(st.branchTouch, bid)
	}
	st.branchCnt[bid]++
	if b := &m.branches[bid]; int(st.branchCnt[bid]) == len(b.conds) {
		dst = st.matched(b.pattern, dst)
	}
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
	v.typ = e.typ
	raw := event[e.start:e.end]
	switch e.typ {
	case typString:
		if e.esc {
			st.buf = unescape(st.buf[:0], raw)
			v.str = bytesToString(st.buf)
		} else {
			v.str = bytesToString(raw)
		}
		if ids, ok := pi.exactStr[v.str]; ok {
			dst = m.satisfyAll(st, ids, dst)
		}
	case typNumber:
		f, err := parseFloat(raw)
		if err != nil {
			// Out of float64 range: comparable to nothing, but still a value for anything-but.
			v.typ = typBadNumber
			break
		}
		v.num = f
		if ids, ok := pi.exactNum[f]; ok {
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
