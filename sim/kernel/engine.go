package kernel

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/floats"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// Blocking parameters of the GEMM driver shared by the tuned and asm
// variants (GotoBLAS/BLIS packing). The register tile is mr×nr; a packed
// panel of A (mr×kc, at most 12 KiB) stays in L1 while the packed panels of
// B (kc×nr each) stream from the packed kc×nc block in L2.
const (
	mr    = 6    // rows of the register tile
	nr    = 8    // columns of the register tile (two AVX2 vectors)
	kcMax = 256  // depth of a packed block; k is split into equal blocks ≤ kcMax
	mcMax = 144  // rows of a packed block of A (a multiple of mr)
	ncMax = 2048 // most columns of a packed block of B (a multiple of nr)
	// l2Budget is the size in bytes of the packed block of B, which lives
	// in L2 (1 MiB per core on the target Zen 4) beside A's panels.
	l2Budget = 384 << 10

	// maxParts bounds the number of parts of one call, partsPerThread
	// sets it per goroutine: with more parts than goroutines, a helper
	// that starts late or runs on a contended core holds up the caller for
	// one small part at most, at the cost of packing the operand shared
	// by all parts once per part (≈ 10·parts/m of the work).
	maxParts       = 8
	partsPerThread = 2
	// parGemmFlops is the work below which a GEMM runs on the calling
	// goroutine alone (about 100 µs): waking a parked helper thread costs
	// 50–100 µs on the target VMs.
	parGemmFlops = 4 << 20
	// parGemvElems is the same threshold for GEMV, in matrix elements.
	parGemvElems = 1 << 20
	// gemvColBlock is the column block of the transposed GEMV's vector
	// kernel, gemvRowBlock its row block.
	gemvColBlock = 32
	gemvRowBlock = 4
	// spinWait is how long a helper polls for the next job before it
	// blocks (see helper).
	spinWait = 50 * time.Microsecond
)

// isa names the instruction set a kernel set uses.
type isa uint8

const (
	isaGeneric isa = iota // pure Go
	isaAVX2               // AVX2 + FMA3 assembly (amd64)
)

func (s isa) String() string {
	if s == isaAVX2 {
		return "avx2+fma"
	}
	return "generic"
}

// engine is the blocked, packed, parallel GEMM/GEMV driver behind the tuned
// and asm variants. Each output element is computed by the same sequence of
// floating-point operations whatever the partition of the work, so results
// do not depend on the number of goroutines:
//
//   - GEMM: k is cut into nb = ⌈k/kcMax⌉ equal blocks (a function of k
//     only); within a block an element is one multiply-add chain
//     acc = a_il·b_lj + acc over l in order from acc = +0 (fused in the
//     assembly kernel), then c = fma(beta, c, alpha·acc) for the first
//     block (c = alpha·acc when beta is zero) and c = c + alpha·acc for the
//     others. Edge tiles run the same micro-kernel on a copy of the tile.
//     On AVX2, C = A·Bᵀ with k > kcMax and at most dotMax rows in A and
//     in B runs as dot products of rows in four lane chains instead
//     (gemmDots). The path is chosen on the whole call's shape, so that
//     every part of a split call takes the same one.
//   - GEMV: see gemvRowGo and gemvColsGo.
//
// Work is split over goroutines by whole register tiles (rows or columns of
// C), never along k.
type engine struct {
	isa  isa
	jobs chan job

	// free is a LIFO free list of calls: the most recently used call, the
	// one whose buffers fit the current shapes, is reused first. Unlike a
	// sync.Pool it keeps the packed buffers across garbage collections
	// (re-faulting them costs more than the arithmetic of a small call).
	freeMu sync.Mutex
	free   [maxParts]*call
	nfree  int

	mu      sync.Mutex
	started atomic.Bool
}

func (e *engine) init(s isa) {
	e.isa = s
	e.jobs = make(chan job, 4*maxParts)
}

// getCall returns the most recently recycled call, or a new one.
func (e *engine) getCall() *call {
	e.freeMu.Lock()
	defer e.freeMu.Unlock()
	if e.nfree == 0 {
		return new(call)
	}
	e.nfree--
	cl := e.free[e.nfree]
	e.free[e.nfree] = nil
	return cl
}

// putCall recycles cl (dropping it when the free list is full).
func (e *engine) putCall(cl *call) {
	e.freeMu.Lock()
	defer e.freeMu.Unlock()
	if e.nfree < len(e.free) {
		e.free[e.nfree] = cl
		e.nfree++
	}
}

// closeJobs ends the helper goroutines of an engine that is no longer
// reachable (registered with runtime.AddCleanup).
func closeJobs(ch chan job) { close(ch) }

// helper runs jobs until the channel is closed. It references the channel
// and the calls only, never the engine, so that the engine can be collected.
func helper(jobs <-chan job) {
	for {
		j, ok := <-jobs
		if !ok {
			return
		}
		j.c.work(j.gen)
		// Poll for a while before blocking again: waking a parked thread
		// costs ~100 µs on these VMs, as much as a whole call, and calls
		// come back to back in a simulation loop.
		deadline := time.Now().Add(spinWait)
	spin:
		for i := 0; ; i++ {
			select {
			case j, ok := <-jobs:
				if !ok {
					return
				}
				j.c.work(j.gen)
				deadline = time.Now().Add(spinWait)
			default:
				if i%64 == 63 {
					if time.Now().After(deadline) {
						break spin
					}
					runtime.Gosched()
				}
			}
		}
	}
}

// startHelpers starts the helper goroutines on first parallel use.
func (e *engine) startHelpers() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started.Load() {
		return
	}
	for i := 1; i < min(runtime.NumCPU(), maxParts/partsPerThread); i++ {
		go helper(e.jobs)
	}
	e.started.Store(true)
}

// threads is the number of goroutines a call may use.
func threads() int {
	return min(runtime.GOMAXPROCS(0), runtime.NumCPU(), maxParts/partsPerThread)
}

type op uint8

const (
	opGemm op = iota
	opGemv
	opGemvPair // GemvPair: b2 and c2 are the second x and y
	opFunc     // Parallel: part p calls fn(p)
)

// call holds the arguments of one GEMM or GEMV call and the per-part
// workspaces; calls are recycled through engine.free.
type call struct {
	isa           isa
	op            op
	tA, tB        bool
	m, n, k       int
	alpha, beta   float64
	a, b, c       []float64
	b2, c2        []float64 // opGemvPair's second x and y
	lda, ldb, ldc int
	parts         int
	rows          bool // split rows of C (true) or columns
	dots          bool // gemmDots, chosen on the whole call's shape (never a part's)
	fn            func(part int)
	ws            [maxParts]workspace

	// state is gen<<32 | parts<<16 | next: the call's generation (bumped
	// when the call is recycled), its number of parts and the next
	// unclaimed part. Parts are claimed with a compare-and-swap by the
	// caller and by any helper that holds a job of the current generation,
	// so a helper that wakes late finds nothing left and the caller never
	// waits for it; a helper reads the other fields only after a claim.
	state atomic.Uint64
	wg    sync.WaitGroup // one count per part
}

// job asks a helper to join call c of generation gen.
type job struct {
	c   *call
	gen uint32
}

// claim returns the next unclaimed part of generation gen, or −1.
func (cl *call) claim(gen uint32) int {
	for {
		s := cl.state.Load()
		next, parts := int(uint16(s)), int(uint16(s>>16))
		if uint32(s>>32) != gen || next >= parts {
			return -1
		}
		if cl.state.CompareAndSwap(s, s+1) {
			return next
		}
	}
}

// work computes parts of generation gen until none is left.
func (cl *call) work(gen uint32) {
	for p := cl.claim(gen); p >= 0; p = cl.claim(gen) {
		cl.run(p)
		cl.wg.Done()
	}
}

// workspace holds the packing buffers of one part of a call.
type workspace struct {
	ap, bp []float64
	acc    []float64 // the transposed GEMV's running sums
	tile   [mr * nr]float64
}

// ensure makes the packing buffers hold na and nb values. They are sized
// for the largest blocks of the driver (mcMax×kcMax for A, l2Budget bytes
// for B) at their first use, so that a call of a new, larger shape later
// does not allocate.
func (w *workspace) ensure(na, nb int) {
	if len(w.ap) < na {
		w.ap = make([]float64, max(na, mcMax*kcMax))
	}
	if len(w.bp) < nb {
		w.bp = make([]float64, max(nb, l2Budget/8))
	}
}

// dispatch runs the parts of cl on the caller and up to helpers helper
// goroutines, then recycles cl. The partition depends on parts only, never
// on which goroutine runs a part.
func (e *engine) dispatch(cl *call, parts, helpers int) {
	cl.isa = e.isa
	cl.parts = parts
	gen := uint32(cl.state.Load() >> 32)
	if parts == 1 {
		cl.run(0)
	} else {
		cl.state.Store(uint64(gen)<<32 | uint64(parts)<<16)
		if !e.started.Load() {
			e.startHelpers()
		}
		cl.wg.Add(parts)
		for h := 0; h < helpers; h++ {
			select {
			case e.jobs <- job{cl, gen}:
			default: // helpers busy: the caller does the parts itself
			}
		}
		cl.work(gen)
		cl.wg.Wait()
	}
	cl.state.Store(uint64(gen+1) << 32)
	cl.a, cl.b, cl.c, cl.b2, cl.c2, cl.fn = nil, nil, nil, nil, nil, nil
	e.putCall(cl)
}

func (e *engine) gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if gemmPrologue(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	parts := 1
	rows := m >= n
	if t := threads(); t > 1 && 2*float64(m)*float64(n)*float64(k) >= parGemmFlops {
		units := (n + nr - 1) / nr
		if rows {
			units = (m + mr - 1) / mr
		}
		parts = min(partsPerThread*t, units, maxParts)
	}
	cl := e.getCall()
	cl.op, cl.tA, cl.tB, cl.rows = opGemm, tA, tB, rows
	cl.dots = useDots(e.isa, tA, tB, m, n, k)
	cl.m, cl.n, cl.k, cl.alpha, cl.beta = m, n, k, alpha, beta
	cl.a, cl.b, cl.c, cl.lda, cl.ldb, cl.ldc = a, b, c, lda, ldb, ldc
	e.dispatch(cl, parts, parts-1)
}

func (e *engine) gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if gemvPrologue(tA, m, n, alpha, a, lda, x, beta, y) {
		return
	}
	parts := gemvParts(tA, m, n)
	cl := e.getCall()
	cl.op, cl.tA = opGemv, tA
	cl.m, cl.n, cl.alpha, cl.beta = m, n, alpha, beta
	cl.a, cl.b, cl.c, cl.lda = a, x, y, lda
	e.dispatch(cl, parts, parts-1)
}

// gemvParts returns the number of parts of a GEMV call (and of GemvPair's):
// one below parGemvElems or with one thread, else up to partsPerThread per
// thread, in units of 4 rows of A (GemvN4) or of gemvColBlock columns when
// tA.
func gemvParts(tA bool, m, n int) int {
	t := threads()
	if t <= 1 || m*n < parGemvElems {
		return 1
	}
	rows, unit := m, 4
	if tA {
		rows, unit = n, gemvColBlock
	}
	return min(partsPerThread*t, (rows+unit-1)/unit, maxParts)
}

// span returns the half-open range of units of size unit (out of total
// elements) that part p of parts owns.
func span(p, parts, total, unit int) (lo, hi int) {
	units := (total + unit - 1) / unit
	lo = p * units / parts * unit
	hi = min((p+1)*units/parts*unit, total)
	return lo, hi
}

// parallel calls fn(p) for p < parts on the caller and up to threads()−1
// helpers (see Tiler.Parallel).
func (e *engine) parallel(parts int, fn func(part int)) {
	if parts < 0 || parts > math.MaxUint16 {
		panic(fmt.Sprintf("kernel: Parallel with %d parts", parts))
	}
	t := min(threads(), parts)
	if t <= 1 {
		for p := 0; p < parts; p++ {
			fn(p)
		}
		return
	}
	cl := e.getCall()
	cl.op, cl.fn = opFunc, fn
	e.dispatch(cl, parts, t-1) // parts ≥ t ≥ 2
}

// run computes part p of the call.
func (cl *call) run(p int) {
	if cl.op == opFunc {
		cl.fn(p)
		return
	}
	ws := &cl.ws[p]
	switch cl.op {
	case opGemm:
		m, n := cl.m, cl.n
		a, b, c := cl.a, cl.b, cl.c
		if cl.parts > 1 {
			if cl.rows {
				lo, hi := span(p, cl.parts, m, mr)
				if cl.tA {
					a = a[lo:]
				} else {
					a = a[lo*cl.lda:]
				}
				c = c[lo*cl.ldc:]
				m = hi - lo
			} else {
				lo, hi := span(p, cl.parts, n, nr)
				if cl.tB {
					b = b[lo*cl.ldb:]
				} else {
					b = b[lo:]
				}
				c = c[lo:]
				n = hi - lo
			}
		}
		switch {
		case m == 0 || n == 0:
		case cl.dots:
			gemmDots(ws, m, n, cl.k, cl.alpha, a, cl.lda, b, cl.ldb, cl.beta, c, cl.ldc)
		default:
			gemmBlocked(ws, cl.isa, cl.tA, cl.tB, m, n, cl.k, cl.alpha, a, cl.lda, b, cl.ldb, cl.beta, c, cl.ldc)
		}
	case opGemv:
		if cl.tA {
			lo, hi := 0, cl.n
			if cl.parts > 1 {
				lo, hi = span(p, cl.parts, cl.n, gemvColBlock)
			}
			gemvT(ws, cl.isa, cl.m, lo, hi, cl.alpha, cl.a, cl.lda, cl.b, cl.beta, cl.c)
		} else {
			lo, hi := 0, cl.m
			if cl.parts > 1 {
				lo, hi = span(p, cl.parts, cl.m, 4)
			}
			gemvN(cl.isa, lo, hi, cl.n, cl.alpha, cl.a, cl.lda, cl.b, cl.beta, cl.c)
		}
	case opGemvPair:
		lo, hi := 0, cl.m
		if cl.parts > 1 {
			lo, hi = span(p, cl.parts, cl.m, 4)
		}
		gemvN2(cl.isa, lo, hi, cl.n, cl.alpha, cl.a, cl.lda, cl.b, cl.b2, cl.beta, cl.c, cl.c2)
	}
}

// gemmBlocked computes C = alpha·op(A)·op(B) + beta·C on one goroutine.
func gemmBlocked(ws *workspace, s isa, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	nb := (k + kcMax - 1) / kcMax
	kcs := (k + nb - 1) / nb
	// The packed kc×nc block of B stays in L2 while the tiles sweep it.
	ncB := min(ncMax, max(nr, l2Budget/(8*kcs)/nr*nr))
	ws.ensure(roundUp(min(m, mcMax), mr)*kcs, roundUp(min(n, ncB), nr)*kcs)
	for jc := 0; jc < n; jc += ncB {
		nc := min(ncB, n-jc)
		for pc := 0; pc < k; pc += kcs {
			kc := min(kcs, k-pc)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			packB(s, ws.bp, tB, b, ldb, pc, jc, kc, nc)
			for ic := 0; ic < m; ic += mcMax {
				mc := min(mcMax, m-ic)
				packA(s, ws.ap, tA, a, lda, ic, pc, mc, kc)
				macroKernel(ws, s, mc, nc, kc, alpha, bet, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// macroKernel multiplies the packed mc×kc block of A by the packed kc×nc
// block of B into C. The tiles sweep C row band by row band: the A panel
// stays in L1, B panels come from L2, and C is written front to back.
func macroKernel(ws *workspace, s isa, mc, nc, kc int, alpha, beta float64, c []float64, ldc int) {
	for ir := 0; ir < mc; ir += mr {
		ap := ws.ap[ir*kc : (ir+mr)*kc]
		mh := min(mr, mc-ir)
		for jr := 0; jr < nc; jr += nr {
			bp := ws.bp[jr*kc : (jr+nr)*kc]
			nw := min(nr, nc-jr)
			co := ir*ldc + jr
			if mh == mr && nw == nr {
				microKernel(s, kc, ap, bp, c[co:co+(mr-1)*ldc+nr], ldc, alpha, beta)
				continue
			}
			t := ws.tile[:]
			if beta != 0 {
				for i := 0; i < mh; i++ {
					copy(t[i*nr:i*nr+nw], c[co+i*ldc:co+i*ldc+nw])
				}
			}
			microKernel(s, kc, ap, bp, t, nr, alpha, beta)
			for i := 0; i < mh; i++ {
				copy(c[co+i*ldc:co+i*ldc+nw], t[i*nr:i*nr+nw])
			}
		}
	}
}

// microKernel computes one full mr×nr tile of C from packed panels.
func microKernel(s isa, kc int, ap, bp, c []float64, ldc int, alpha, beta float64) {
	if s == isaAVX2 {
		avx.GemmKernel(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
		return
	}
	gemmKernelGo(kc, ap, bp, c, ldc, alpha, beta)
}

// gemvN computes rows [lo, hi) of y = alpha·A·x + beta·y.
func gemvN(s isa, lo, hi, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	i := lo
	if s == isaAVX2 {
		var t [4]float64
		for ; i+4 <= hi; i += 4 {
			_ = a[(i+3)*lda+n-1]
			avx.GemvN4(n, &a[i*lda], lda, &x[0], &t)
			for r := range 4 {
				y[i+r] = epilogue(t[r], alpha, beta, y[i+r])
			}
		}
	}
	for ; i < hi; i++ {
		r := a[i*lda : i*lda+n]
		var t float64
		switch {
		case s == isaAVX2 && n > 0:
			_ = x[n-1]
			t = avx.GemvN1(n, &r[0], &x[0]) // one row of GemvN4, bit for bit
		default:
			t = gemvRowGo(r, x[:n])
		}
		y[i] = epilogue(t, alpha, beta, y[i])
	}
}

// gemvT computes elements [lo, hi) of y = alpha·Aᵀ·x + beta·y, A m×n. The
// chains acc_j = Σ_i a_ij·x_i run over blocks of gemvRowBlock rows, so that
// each pass reads a few rows front to back; a chain's partial sum waits in
// ws.acc between blocks, which does not change its operations.
func gemvT(ws *workspace, s isa, m, lo, hi int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if len(ws.acc) < hi-lo {
		ws.acc = make([]float64, hi-lo)
	}
	acc := ws.acc[:hi-lo]
	clear(acc)
	w := hi - lo
	full := 0
	if s == isaAVX2 {
		full = w / gemvColBlock * gemvColBlock
	}
	for i0 := 0; i0 < m; i0 += gemvRowBlock {
		rows := min(gemvRowBlock, m-i0)
		for j := 0; j < full; j += gemvColBlock {
			_ = a[(i0+rows-1)*lda+lo+j+gemvColBlock-1]
			avx.GemvT32(rows, &a[i0*lda+lo+j], lda, &x[i0], (*[gemvColBlock]float64)(acc[j:j+gemvColBlock]))
		}
		switch {
		case full == w:
		case s == isaAVX2:
			gemvColsFMA(rows, w-full, a[i0*lda+lo+full:], lda, x[i0:i0+rows], acc[full:])
		default:
			gemvColsGo(rows, w-full, a[i0*lda+lo+full:], lda, x[i0:i0+rows], acc[full:])
		}
	}
	out := y[lo:hi]
	switch {
	// The common cases, with the bits of epilogue: alpha·t is exact for
	// alpha = ±1, and fma(1, y, ±t) rounds y ± t once, as the addition
	// does.
	case alpha == 1 && beta == 0:
		copy(out, acc)
	case alpha == 1 && beta == 1:
		floats.Add(out, acc)
	case alpha == -1 && beta == 1:
		floats.Sub(out, acc)
	default:
		for j, t := range acc {
			out[j] = epilogue(t, alpha, beta, out[j])
		}
	}
}

// epilogue returns alpha·t + beta·y as the assembly kernels compute it:
// alpha·t rounded, then beta·y + alpha·t as one fused multiply-add; y is
// not read when beta is zero.
func epilogue(t, alpha, beta, y float64) float64 {
	at := float64(alpha * t)
	if beta == 0 {
		return at
	}
	return math.FMA(beta, y, at)
}
