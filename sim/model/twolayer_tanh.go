package model

import (
	"unsafe"

	"github.com/eoskit/eoskit/sim/kernel"
)

// The tanh network's fused evaluation. The examples are cut into blocks of
// tanhBlockRows rows; for each block the forward product Z = X·Wᵀ (or
// Ż = X·Vᵀ), the elementwise work of the row passes and the backward
// product ΔᵀX run back to back, so that the block's n×m slice of Z, H and Δ
// stays in the core's cache instead of streaming the whole n×m matrices
// through memory several times. σ' = 1 − h² and σ″ = −2h·σ' are recomputed
// from h = tanh(z) when needed, so a Hessian-vector product caches only H
// and the residuals.
//
// The blocks are grouped into a fixed number of parts (a function of n
// only), each accumulating its own partial ∂W and ∂A; the parts run on the
// backend's goroutines (kernel.Tiler.Parallel) and their partials are summed
// in part order, so results do not depend on GOMAXPROCS.
//
// With a kernel.Tiler backend (tuned, asm) the products run on its register
// tile kernel over operands kept in the layouts it reads: X packed once for
// the forward product (xp) and zero-padded row-major for the backward one
// (xr), W packed once per call (wp), and the block written by the forward
// tiles and read in place by the backward ones. Other backends run each
// block's two products with Gemm, and the parts one after the other.

const (
	// tanhBlockRows is the number of examples per block (a multiple of
	// kernel.TileRows): the m = 512 block of 48 rows (200 KiB) stays in L2
	// beside the packed W and the partial ∂W, and the backward product's
	// depth k = 48 amortises the loads and stores of the ∂W tiles.
	tanhBlockRows = 8 * kernel.TileRows
	// tanhMaxParts is the largest number of parts: the two cores of the
	// target machines. Each further part costs a partial ∂W to sum and to
	// keep in cache (four parts ran about 5% slower than two on one core at
	// m = 512).
	tanhMaxParts = 2
)

// tanhNet holds the layouts and scratch space of the fused tanh path.
type tanhNet struct {
	t     *TwoLayer
	tiler kernel.Tiler // nil when the backend has no tile kernel

	mf  int // m rounded up to TileCols: columns of the forward tiles and the row passes
	mb  int // m rounded up to TileRows: rows of the backward tiles
	ldg int // row stride of the block buffers and the cache
	dp  int // d rounded up to TileCols: row stride of xr and of the partial ∂W

	xp []float64 // X in forward panels (shared by clones)
	xr []float64 // X row-major, dp columns, rows padded (shared by clones)

	wp     []float64 // W or V packed for the forward tiles
	w      []float64 // W or V itself, for backends without a tile kernel (during a call)
	ap, bp []float64 // A and the direction's B, c rows of mf (zero padded)

	hc []float64 // cached H = tanh(Z), n rows of stride mf
	r  []float64 // cached residuals, n×c

	rows          int // examples per block (tanhBlockRows)
	blocks, parts int
	part          []tanhPart
	gwAll, gaAll  []float64 // the parts' partial ∂W and ∂A, one after the other

	// The call being run by the parts.
	mode   tanhMode
	pred   []float64 // Predict's output
	partFn func(int) // t.runPart, made once so that Parallel does not allocate
}

// tanhPart is the scratch space of one part.
type tanhPart struct {
	blk  []float64 // tanhBlockRows rows of stride ldg
	gw   []float64 // partial ∂W (or ∂W of the product), mb×dp
	ga   []float64 // partial ∂A, c rows of mf
	acc  []float64 // c > 1: two rows of mf and c coefficients
	loss float64
}

// tanhMode says what a call computes.
type tanhMode uint8

const (
	modeLoss     tanhMode = iota // the loss
	modePredict                  // the outputs into pred
	modeGrad                     // the loss and the gradient
	modeGradKeep                 // the loss and the gradient, and the cache as modePrepare fills it
	modePrepare                  // the cache: H and the residuals
	modeHVP                      // the Hessian-vector product over the cache
)

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// alignedFloats returns a zeroed slice of n float64 that starts on a 64-byte
// cache line. With rows of multiples of 8 elements, every 4-wide vector
// access of the tiles and the row passes then stays within one line.
func alignedFloats(n int) []float64 {
	s := make([]float64, n+7)
	off := int(uintptr(unsafe.Pointer(&s[0]))%64) / 8
	if off != 0 {
		off = 8 - off
	}
	return s[off : off+n : off+n]
}

// newTanhNet lays out the data of t for the fused path.
func newTanhNet(t *TwoLayer) *tanhNet {
	n, d := t.n, t.d
	tn := &tanhNet{t: t}
	tn.mf = roundUp(t.m, kernel.TileCols)
	tn.mb = roundUp(t.m, kernel.TileRows)
	tn.ldg = roundUp(max(tn.mf, tn.mb), kernel.TileCols) // rows start on cache lines
	if tn.ldg%64 == 0 {
		// A stride of a multiple of 512 B maps the rows read by one
		// backward tile to one cache set; shift it by a line.
		tn.ldg += kernel.TileCols
	}
	tn.dp = roundUp(d, kernel.TileCols)
	np := roundUp(n, kernel.TileRows)
	tn.xp = alignedFloats(np * d)
	tn.xr = alignedFloats(np * tn.dp)
	for e := 0; e < n; e++ {
		panel := tn.xp[e/kernel.TileRows*kernel.TileRows*d:]
		for l := 0; l < d; l++ {
			v := t.x[e*d+l]
			panel[l*kernel.TileRows+e%kernel.TileRows] = v
			tn.xr[e*tn.dp+l] = v
		}
	}
	tn.alloc()
	return tn
}

// clone returns a tanhNet for the clone c sharing the data layouts.
func (tn *tanhNet) clone(c *TwoLayer) *tanhNet {
	k := &tanhNet{t: c, mf: tn.mf, mb: tn.mb, ldg: tn.ldg, dp: tn.dp, xp: tn.xp, xr: tn.xr}
	k.alloc()
	return k
}

func (tn *tanhNet) alloc() {
	t := tn.t
	tn.tiler, _ = t.be.(kernel.Tiler)
	tn.wp = alignedFloats(tn.mf * t.d)
	tn.ap = alignedFloats(t.c * tn.mf)
	tn.bp = alignedFloats(t.c * tn.mf)
	tn.hc = alignedFloats(t.n * tn.mf)
	tn.r = make([]float64, t.n*t.c)
	if tn.rows == 0 {
		tn.rows = tanhBlockRows
	}
	tn.blocks = (t.n + tn.rows - 1) / tn.rows
	if tn.parts == 0 {
		tn.parts = min(tn.blocks, tanhMaxParts)
	}
	tn.part = make([]tanhPart, tn.parts)
	ngw, nga := tn.mb*tn.dp, t.c*tn.mf
	tn.gwAll = alignedFloats(tn.parts * ngw)
	tn.gaAll = alignedFloats(tn.parts * nga)
	for p := range tn.part {
		pt := &tn.part[p]
		pt.blk = alignedFloats(tn.rows * tn.ldg)
		pt.gw = tn.gwAll[p*ngw : (p+1)*ngw]
		pt.ga = tn.gaAll[p*nga : (p+1)*nga]
		if t.c > 1 {
			pt.acc = make([]float64, 2*tn.mf+t.c)
		}
	}
	tn.partFn = tn.runPart
}

// pack writes W (or V), m×d row-major, into the forward panels: wp holds
// ⌈m/TileCols⌉ panels of d×TileCols, element (l, j) of panel q at
// q·d·TileCols + l·TileCols + j; the padding neurons stay zero.
func (tn *tanhNet) pack(w []float64) {
	d, m := tn.t.d, tn.t.m
	const nr = kernel.TileCols
	for q := 0; q < m/nr; q++ {
		// A full panel: eight rows of W read side by side, written in order.
		r := w[q*nr*d : (q+1)*nr*d]
		r0, r1, r2, r3 := r[0:d], r[d:2*d], r[2*d:3*d], r[3*d:4*d]
		r4, r5, r6, r7 := r[4*d:5*d], r[5*d:6*d], r[6*d:7*d], r[7*d:8*d]
		panel := tn.wp[q*nr*d : (q+1)*nr*d]
		for l := 0; l < d; l++ {
			p := panel[l*nr : l*nr+nr]
			p[0], p[1], p[2], p[3] = r0[l], r1[l], r2[l], r3[l]
			p[4], p[5], p[6], p[7] = r4[l], r5[l], r6[l], r7[l]
		}
	}
	for i := m / nr * nr; i < m; i++ {
		panel := tn.wp[i/nr*nr*d+i%nr:]
		for l, v := range w[i*d : i*d+d] {
			panel[l*nr] = v
		}
	}
}

// setRows copies the c×m matrix src into dst with rows of mf (the padding
// stays zero).
func (tn *tanhNet) setRows(dst, src []float64) {
	m := tn.t.m
	for o := 0; o < tn.t.c; o++ {
		copy(dst[o*tn.mf:o*tn.mf+m], src[o*m:o*m+m])
	}
}

// run runs the parts of the call set up in tn.
func (tn *tanhNet) run(mode tanhMode) {
	tn.mode = mode
	if tn.tiler != nil {
		tn.tiler.Parallel(tn.parts, tn.partFn)
		return
	}
	for p := 0; p < tn.parts; p++ {
		tn.runPart(p)
	}
}

// runPart runs the blocks of part p.
func (tn *tanhNet) runPart(p int) {
	t := tn.t
	pt := &tn.part[p]
	pt.loss = 0
	back := tn.mode == modeGrad || tn.mode == modeGradKeep || tn.mode == modeHVP
	if back {
		clear(pt.ga)
	}
	b0, b1 := p*tn.blocks/tn.parts, (p+1)*tn.blocks/tn.parts
	for b := b0; b < b1; b++ {
		e0 := b * tn.rows
		rows := min(tn.rows, t.n-e0)
		if tn.tiler == nil {
			tn.forward(pt.blk, e0, rows)
			tn.rowPass(pt, e0, 0, rows)
		} else {
			// Panel by panel of TileRows examples: the panel's rows of Z
			// (TileRows·m values, in L1) go through the row pass as soon
			// as the forward tiles have written them.
			for i0 := 0; i0 < rows; i0 += kernel.TileRows {
				tn.forwardPanel(pt.blk[i0*tn.ldg:], e0+i0)
				tn.rowPass(pt, e0, i0, min(kernel.TileRows, rows-i0))
			}
		}
		if back {
			tn.backward(pt, e0, rows, b > b0)
		}
	}
}

// rowPass runs the call's row pass over rows [i0, i0+rows) of the block
// starting at example e0.
func (tn *tanhNet) rowPass(pt *tanhPart, e0, i0, rows int) {
	if tn.mode == modeHVP {
		tn.rowsHVP(pt, e0, i0, rows)
		return
	}
	tn.rowsForward(pt, e0, i0, rows)
}

// forwardPanel writes the rows of Z = X·Wᵀ (W as packed in wp) of the
// TileRows examples from e0 (a multiple of TileRows) into blk, rows of
// stride ldg, one tile per TileCols neurons.
func (tn *tanhNet) forwardPanel(blk []float64, e0 int) {
	const mr, nr = kernel.TileRows, kernel.TileCols
	d := tn.t.d
	tn.tiler.Tiles(tn.mf/nr, d, tn.xp[e0*d:], 0, mr, tn.wp, nr*d, nr, blk, nr, tn.ldg, false)
}

// forward writes the block's Z = X_b·Wᵀ (W or V, the matrix the call set
// up) into blk, rows of stride ldg, with the backend's Gemm (backends
// without a tile kernel).
func (tn *tanhNet) forward(blk []float64, e0, rows int) {
	t := tn.t
	d := t.d
	t.be.Gemm(false, true, rows, t.m, d, 1, t.x[e0*d:], d, tn.w, d, 0, blk, tn.ldg)
	// Zero the padding columns, which the row passes read: a non-finite
	// residual would otherwise leave NaNs (0·NaN) there.
	for i := 0; i < rows && t.m < tn.mf; i++ {
		clear(blk[i*tn.ldg+t.m : i*tn.ldg+tn.mf])
	}
}

// backward adds the block's Δ_bᵀX_b (Δ in blk) to the part's ∂W, or
// stores it for the part's first block.
func (tn *tanhNet) backward(pt *tanhPart, e0, rows int, add bool) {
	t := tn.t
	if tn.tiler == nil {
		beta := 0.0
		if add {
			beta = 1
		}
		t.be.Gemm(true, false, t.m, t.d, rows, 1, pt.blk, tn.ldg, t.x[e0*t.d:], t.d, beta, pt.gw, tn.dp)
		return
	}
	const mr, nr = kernel.TileRows, kernel.TileCols
	xr := tn.xr[e0*tn.dp:]
	for q := 0; q < tn.mb/mr; q++ {
		tn.tiler.Tiles(tn.dp/nr, rows, pt.blk[q*mr:], 0, tn.ldg, xr, nr, tn.dp, pt.gw[q*mr*tn.dp:], nr, tn.dp, add)
	}
}

// setW makes w (W or V, m×d) the weight matrix of the forward products.
func (tn *tanhNet) setW(w []float64) {
	if tn.tiler != nil {
		tn.pack(w)
		return
	}
	tn.w = w
}

// rowsForward runs the forward row pass over the block's rows: H = tanh Z,
// the outputs, the residuals and the loss, and for a gradient the row of Δ
// (in place of Z) and the part's ∂A; for the cache (modePrepare and
// modeGradKeep), H goes to hc and the residuals to r.
func (tn *tanhNet) rowsForward(pt *tanhPart, e0, i0, rows int) {
	t := tn.t
	mf, c := tn.mf, t.c
	s, sn := t.s, t.s/float64(t.n)
	keep := tn.mode == modePrepare || tn.mode == modeGradKeep
	for i := i0; i < i0+rows; i++ {
		e := e0 + i
		z := pt.blk[i*tn.ldg : i*tn.ldg+mf]
		h := z
		if keep {
			h = tn.hc[e*mf : e*mf+mf]
		}
		if c == 1 {
			out := s * kernel.TanhDot(h, z, tn.ap)
			if tn.mode == modePredict {
				tn.pred[e] = out
				continue
			}
			r := out - t.y[e]
			pt.loss += r * r
			if keep {
				tn.r[e] = r
			}
			if tn.mode == modeGrad || tn.mode == modeGradKeep {
				kernel.TanhGradRow(z, pt.ga, h, tn.ap, sn*r)
			}
			continue
		}
		kernel.ActTanh.Eval(h, z)
		cr := pt.acc[2*mf : 2*mf+c]
		for o := 0; o < c; o++ {
			out := s * dot(h, tn.ap[o*mf:o*mf+mf])
			if tn.mode == modePredict {
				tn.pred[e*c+o] = out
				continue
			}
			r := out - t.y[e*c+o]
			pt.loss += r * r
			if keep {
				tn.r[e*c+o] = r
			}
			cr[o] = sn * r
		}
		if tn.mode != modeGrad && tn.mode != modeGradKeep {
			continue
		}
		acc := pt.acc[:mf]
		clear(acc)
		for o, co := range cr {
			ao, gao := tn.ap[o*mf:o*mf+mf], pt.ga[o*mf:o*mf+mf]
			for j, x := range h {
				acc[j] += co * ao[j]
				gao[j] += co * x
			}
		}
		for j, x := range h {
			z[j] = acc[j] * (1 - x*x)
		}
	}
}

// rowsHVP runs the Hessian-vector product's row passes over the block: with
// Ż in the block and H, R from the cache, Ṡ = σ'⊙Ż, Ḟ = s(ṠAᵀ + HBᵀ),
// the part's ∂A += (s/n)(ḞᵀH + RᵀṠ), and Δ̇ = (s/n)(ḞA + RB)⊙σ' +
// (s/n)(RA)⊙σ″⊙Ż in place of Ż.
func (tn *tanhNet) rowsHVP(pt *tanhPart, e0, i0, rows int) {
	t := tn.t
	mf, c := tn.mf, t.c
	s, sn := t.s, t.s/float64(t.n)
	for i := i0; i < i0+rows; i++ {
		e := e0 + i
		zd := pt.blk[i*tn.ldg : i*tn.ldg+mf]
		h := tn.hc[e*mf : e*mf+mf]
		if c == 1 {
			f := kernel.TanhHVPDot(zd, h, zd, tn.ap, tn.bp)
			kernel.TanhHVPRow(zd, pt.ga, h, zd, tn.ap, tn.bp, sn*(s*f), sn*tn.r[e])
			continue
		}
		for j, x := range h {
			zd[j] *= 1 - x*x // Ṡ
		}
		acc, accR := pt.acc[:mf], pt.acc[mf:2*mf]
		clear(acc)
		clear(accR)
		for o := 0; o < c; o++ {
			ao, bo := tn.ap[o*mf:o*mf+mf], tn.bp[o*mf:o*mf+mf]
			var f float64
			for j, x := range zd {
				f += x*ao[j] + h[j]*bo[j]
			}
			cf, cr := sn*(s*f), sn*tn.r[e*c+o]
			hao := pt.ga[o*mf : o*mf+mf]
			for j, x := range h {
				hao[j] += cf*x + cr*zd[j]
				acc[j] += cf*ao[j] + cr*bo[j]
				accR[j] += cr * ao[j]
			}
		}
		for j, x := range h {
			d1 := 1 - x*x
			zd[j] = acc[j]*d1 - 2*accR[j]*x*zd[j] // Δ̇, with σ″Ż = −2h·Ṡ
		}
	}
}

// dot returns Σ x_i·y_i in order.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s float64
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// sumLoss returns the loss from the parts' sums of squared residuals.
func (tn *tanhNet) sumLoss() float64 {
	var e float64
	for p := range tn.part {
		e += tn.part[p].loss
	}
	return e / float64(2*tn.t.n)
}

// sumGrad writes the sum of the parts' ∂W and ∂A, in part order, into gw
// (m×d) and ga (c×m).
func (tn *tanhNet) sumGrad(gw, ga []float64) {
	t := tn.t
	m, d, dp, mf := t.m, t.d, tn.dp, tn.mf
	ngw, nga := tn.mb*dp, t.c*mf
	for i := 0; i < m; i++ {
		sumParts(gw[i*d:i*d+d], tn.gwAll[i*dp:], ngw, tn.parts)
	}
	for o := 0; o < t.c; o++ {
		sumParts(ga[o*m:o*m+m], tn.gaAll[o*mf:], nga, tn.parts)
	}
}

// sumParts writes dst[j] = ((src[j] + src[ld+j]) + src[2ld+j]) + … over
// parts rows of stride ld.
func sumParts(dst, src []float64, ld, parts int) {
	copy(dst, src[:len(dst)])
	for p := 1; p < parts; p++ {
		row := src[p*ld : p*ld+len(dst)]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// setPoint sets up the forward products and the output weights of θ.
func (tn *tanhNet) setPoint(theta []float64) {
	w, a := tn.t.split(theta)
	tn.setW(w)
	tn.setRows(tn.ap, a)
}

// loss returns E(θ).
func (tn *tanhNet) loss(theta []float64) float64 {
	tn.setPoint(theta)
	tn.run(modeLoss)
	tn.w = nil
	return tn.sumLoss()
}

// predict writes the outputs at θ into dst (n×c).
func (tn *tanhNet) predict(theta, dst []float64) {
	tn.setPoint(theta)
	tn.pred = dst
	tn.run(modePredict)
	tn.pred, tn.w = nil, nil
}

// grad writes ∇E(θ) into grad and returns E(θ). With keep it also fills
// the cache (H and the residuals) at θ as prepare does: the same forward
// tiles and TanhDot write H, into hc instead of in place, so the gradient
// and the cache are bit for bit those of grad without keep and of prepare.
func (tn *tanhNet) grad(theta, grad []float64, keep bool) float64 {
	tn.setPoint(theta)
	if keep {
		tn.run(modeGradKeep)
	} else {
		tn.run(modeGrad)
	}
	tn.w = nil
	gw, ga := tn.t.split(grad)
	tn.sumGrad(gw, ga)
	return tn.sumLoss()
}

// prepare computes the cache (H and the residuals) at θ.
func (tn *tanhNet) prepare(theta []float64) {
	tn.setPoint(theta)
	tn.run(modePrepare)
	tn.w = nil
}

// hessVec writes ∇²E(θ)v into hv, θ the cached point.
func (tn *tanhNet) hessVec(v, hv []float64) {
	t := tn.t
	_, a := t.split(t.cacheTheta)
	vw, va := t.split(v)
	tn.setW(vw)
	tn.setRows(tn.ap, a)
	tn.setRows(tn.bp, va)
	tn.run(modeHVP)
	tn.w = nil
	hw, ha := t.split(hv)
	tn.sumGrad(hw, ha)
}
