package model

import "github.com/eoskit/eoskit/sim"

// MatFact is deep matrix factorisation (design notes §2.3):
//
//	E(W) = ½‖W_L ⋯ W_2 W_1 − M‖²_F
//
// with L ≥ 1 square factors W_i ∈ R^{d×d} and a target M ∈ R^{d×d}. The
// depth and size of the paper's experiment (d = 2, L = 3, η = 0.077) are [P];
// the target and initialisation of the suite's defaults are [A]. At a
// balanced global minimum the sharpness is L·σ_max(M)^{2−2/L} [D] (oracle
// O20), and a diagonal target with diagonal factors stays diagonal under GD
// (O21).
//
// Layout: θ = [W_1, W_2, …, W_L], each factor d×d row-major, so θ has
// p = L·d² entries and W_i(r, c) = θ[(i−1)d² + r·d + c].
//
// Derivatives: with the prefix products B_i = W_{i−1}⋯W_1 and R = W_L⋯W_1 −
// M, the gradient is ∂E/∂W_i = Q_i B_iᵀ where Q_L = R and Q_{i−1} = W_iᵀQ_i,
// which costs O(L d³). HessVec and Third differentiate this recursion once
// and twice in forward mode (the product rule over the pairs and triples of
// factors, accumulated along the prefix and suffix products), again O(L d³).
// Third is exact: E is a polynomial. The products are small dense loops; the
// model is meant for small d.
type MatFact struct {
	depth, n int // L and d
	dd       int // d²
	target   []float64

	// Forward jets: prefix products B[i] = W_i⋯W_1 (B[0] = I) and their
	// first and mixed second directional derivatives.
	b, bu, bv, buv [][]float64
	// Backward jets, two generations each.
	q, qu, qv, quv [2][]float64
	r              []float64
}

var (
	_ sim.Objective  = (*MatFact)(nil)
	_ sim.ThirdOrder = (*MatFact)(nil)
	_ sim.Cloner     = (*MatFact)(nil)
)

// NewMatFact returns the depth-L factorisation of the dim×dim target
// (row-major, length dim²). The target is copied. Errors name the spec
// fields "depth", "dim" and "target".
func NewMatFact(depth, dim int, target []float64) (*MatFact, error) {
	if depth < 1 {
		return nil, paramErr("matfact", "depth", "is %d, want ≥ 1", depth)
	}
	if dim < 1 {
		return nil, paramErr("matfact", "dim", "is %d, want ≥ 1", dim)
	}
	if len(target) != dim*dim {
		return nil, paramErr("matfact", "target", "has %d entries, want dim² = %d", len(target), dim*dim)
	}
	if !finite(target) {
		return nil, paramErr("matfact", "target", "has a non-finite entry")
	}
	m := &MatFact{depth: depth, n: dim, dd: dim * dim, target: append([]float64(nil), target...)}
	m.alloc()
	return m, nil
}

func (m *MatFact) alloc() {
	jets := func() [][]float64 {
		s := make([][]float64, m.depth+1)
		for i := range s {
			s[i] = make([]float64, m.dd)
		}
		return s
	}
	m.b, m.bu, m.bv, m.buv = jets(), jets(), jets(), jets()
	for k := 0; k < 2; k++ {
		m.q[k] = make([]float64, m.dd)
		m.qu[k] = make([]float64, m.dd)
		m.qv[k] = make([]float64, m.dd)
		m.quv[k] = make([]float64, m.dd)
	}
	m.r = make([]float64, m.dd)
	for i := 0; i < m.n; i++ {
		m.b[0][i*m.n+i] = 1
	}
}

// Dim returns L·d².
func (m *MatFact) Dim() int { return m.depth * m.dd }

// Depth returns the number of factors L.
func (m *MatFact) Depth() int { return m.depth }

// Size returns the side d of the square factors.
func (m *MatFact) Size() int { return m.n }

// Target writes M into dst (row-major) and returns it; a nil dst is
// allocated.
func (m *MatFact) Target(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, m.dd)
	}
	checkLen("MatFact.Target", "dst", len(dst), m.dd)
	copy(dst, m.target)
	return dst
}

// Clone returns a copy with its own scratch space that shares the target.
func (m *MatFact) Clone() sim.Objective {
	c := &MatFact{depth: m.depth, n: m.n, dd: m.dd, target: m.target}
	c.alloc()
	return c
}

func (m *MatFact) factor(theta []float64, i int) []float64 {
	return theta[(i-1)*m.dd : i*m.dd]
}

// forward computes the prefix products and the residual, and returns E.
func (m *MatFact) forward(theta []float64) float64 {
	n := m.n
	for i := 1; i <= m.depth; i++ {
		mulNN(n, m.factor(theta, i), m.b[i-1], false, m.b[i])
	}
	var e float64
	for k, t := range m.target {
		r := m.b[m.depth][k] - t
		m.r[k] = r
		e += r * r
	}
	return 0.5 * e
}

// Loss returns E(θ).
func (m *MatFact) Loss(theta []float64) float64 {
	checkLen("MatFact.Loss", "theta", len(theta), m.Dim())
	return m.forward(theta)
}

// Grad writes ∇E(θ) into grad and returns E(θ).
func (m *MatFact) Grad(theta, grad []float64) float64 {
	checkLen("MatFact.Grad", "theta", len(theta), m.Dim())
	checkLen("MatFact.Grad", "grad", len(grad), m.Dim())
	e := m.forward(theta)
	n := m.n
	cur, nxt := m.q[0], m.q[1]
	copy(cur, m.r)
	for i := m.depth; i >= 1; i-- {
		mulNT(n, cur, m.b[i-1], false, m.factor(grad, i))
		if i > 1 {
			mulTN(n, m.factor(theta, i), cur, false, nxt)
			cur, nxt = nxt, cur
		}
	}
	return e
}

// HessVec writes ∇²E(θ)v into hv.
func (m *MatFact) HessVec(theta, v, hv []float64) {
	checkLen("MatFact.HessVec", "theta", len(theta), m.Dim())
	checkLen("MatFact.HessVec", "v", len(v), m.Dim())
	checkLen("MatFact.HessVec", "hv", len(hv), m.Dim())
	n := m.n
	// Forward: B_i and its derivative along v.
	for i := 1; i <= m.depth; i++ {
		w, vi := m.factor(theta, i), m.factor(v, i)
		mulNN(n, w, m.b[i-1], false, m.b[i])
		mulNN(n, vi, m.b[i-1], false, m.bv[i])
		mulNN(n, w, m.bv[i-1], true, m.bv[i])
	}
	for k, t := range m.target {
		m.r[k] = m.b[m.depth][k] - t
	}
	// Backward: Q_i = suffixᵀR and its derivative along v.
	q, q2 := m.q[0], m.q[1]
	qv, qv2 := m.qv[0], m.qv[1]
	copy(q, m.r)
	copy(qv, m.bv[m.depth])
	for i := m.depth; i >= 1; i-- {
		out := m.factor(hv, i)
		mulNT(n, qv, m.b[i-1], false, out)
		mulNT(n, q, m.bv[i-1], true, out)
		if i > 1 {
			w, vi := m.factor(theta, i), m.factor(v, i)
			mulTN(n, w, q, false, q2)
			mulTN(n, vi, q, false, qv2)
			mulTN(n, w, qv, true, qv2)
			q, q2 = q2, q
			qv, qv2 = qv2, qv
		}
	}
}

// Third writes ∇³E(θ)[u,v] into out.
func (m *MatFact) Third(theta, u, v, out []float64) {
	checkLen("MatFact.Third", "theta", len(theta), m.Dim())
	checkLen("MatFact.Third", "u", len(u), m.Dim())
	checkLen("MatFact.Third", "v", len(v), m.Dim())
	checkLen("MatFact.Third", "out", len(out), m.Dim())
	n := m.n
	// Forward jets of B_i: value, ∂_u, ∂_v and ∂_u∂_v.
	for i := 1; i <= m.depth; i++ {
		w, ui, vi := m.factor(theta, i), m.factor(u, i), m.factor(v, i)
		b, bu, bv, buv := m.b[i-1], m.bu[i-1], m.bv[i-1], m.buv[i-1]
		mulNN(n, w, b, false, m.b[i])
		mulNN(n, ui, b, false, m.bu[i])
		mulNN(n, w, bu, true, m.bu[i])
		mulNN(n, vi, b, false, m.bv[i])
		mulNN(n, w, bv, true, m.bv[i])
		mulNN(n, ui, bv, false, m.buv[i])
		mulNN(n, vi, bu, true, m.buv[i])
		mulNN(n, w, buv, true, m.buv[i])
	}
	for k, t := range m.target {
		m.r[k] = m.b[m.depth][k] - t
	}
	q, q2 := m.q[0], m.q[1]
	qu, qu2 := m.qu[0], m.qu[1]
	qv, qv2 := m.qv[0], m.qv[1]
	quv, quv2 := m.quv[0], m.quv[1]
	copy(q, m.r)
	copy(qu, m.bu[m.depth])
	copy(qv, m.bv[m.depth])
	copy(quv, m.buv[m.depth])
	for i := m.depth; i >= 1; i-- {
		o := m.factor(out, i)
		mulNT(n, quv, m.b[i-1], false, o)
		mulNT(n, qu, m.bv[i-1], true, o)
		mulNT(n, qv, m.bu[i-1], true, o)
		mulNT(n, q, m.buv[i-1], true, o)
		if i > 1 {
			w, ui, vi := m.factor(theta, i), m.factor(u, i), m.factor(v, i)
			mulTN(n, w, q, false, q2)
			mulTN(n, ui, q, false, qu2)
			mulTN(n, w, qu, true, qu2)
			mulTN(n, vi, q, false, qv2)
			mulTN(n, w, qv, true, qv2)
			mulTN(n, ui, qv, false, quv2)
			mulTN(n, vi, qu, true, quv2)
			mulTN(n, w, quv, true, quv2)
			q, q2 = q2, q
			qu, qu2 = qu2, qu
			qv, qv2 = qv2, qv
			quv, quv2 = quv2, quv
		}
	}
}

// mulNN writes (or, with acc, adds) a·b into dst; all n×n row-major.
func mulNN(n int, a, b []float64, acc bool, dst []float64) {
	for i := 0; i < n; i++ {
		ai := a[i*n : i*n+n]
		di := dst[i*n : i*n+n]
		if !acc {
			for j := range di {
				di[j] = 0
			}
		}
		for k, aik := range ai {
			bk := b[k*n : k*n+n]
			for j, bkj := range bk {
				di[j] += aik * bkj
			}
		}
	}
}

// mulTN writes (or adds) aᵀ·b into dst.
func mulTN(n int, a, b []float64, acc bool, dst []float64) {
	if !acc {
		for j := range dst[:n*n] {
			dst[j] = 0
		}
	}
	for k := 0; k < n; k++ {
		ak := a[k*n : k*n+n]
		bk := b[k*n : k*n+n]
		for i, aki := range ak {
			di := dst[i*n : i*n+n]
			for j, bkj := range bk {
				di[j] += aki * bkj
			}
		}
	}
}

// mulNT writes (or adds) a·bᵀ into dst.
func mulNT(n int, a, b []float64, acc bool, dst []float64) {
	for i := 0; i < n; i++ {
		ai := a[i*n : i*n+n]
		for j := 0; j < n; j++ {
			bj := b[j*n : j*n+n]
			var s float64
			for k, aik := range ai {
				s += aik * bj[k]
			}
			if acc {
				dst[i*n+j] += s
			} else {
				dst[i*n+j] = s
			}
		}
	}
}
