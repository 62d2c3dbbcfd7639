package kernel

import "math"

// The pure-Go kernels below write multiply-adds as plain expressions
// (s += a*b), which the Go specification lets the compiler fuse: it does
// for some of them on arm64 and on amd64 with GOAMD64=v3, never with
// GOAMD64=v1 (the default), where each product is rounded before the
// addition. So these kernels agree with the assembly ones to rounding, not
// bit for bit. math.FMA would pin the rounding but costs a feature test and
// a call path per product under GOAMD64=v1 (the micro-kernel ran five times
// slower) and a software fallback on CPUs without FMA, where these kernels
// matter most. Within one build the results never depend on the number of
// goroutines: each output element always runs the same code.

// gemmKernelGo is the pure-Go micro-kernel: one mr×nr tile of C from packed
// panels (see engine for the operation sequence). It works in 1×4 sub-tiles:
// larger ones make the Go compiler spill accumulators to the stack.
func gemmKernelGo(kc int, ap, bp, c []float64, ldc int, alpha, beta float64) {
	ap = ap[:kc*mr]
	bp = bp[:kc*nr]
	_ = c[(mr-1)*ldc+nr-1]
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j += 4 {
			var c0, c1, c2, c3 float64
			pa, pb := ap[i:], bp[j:]
			for l := 0; l < kc; l++ {
				b := pb[l*nr : l*nr+4]
				a := pa[l*mr]
				c0 += a * b[0]
				c1 += a * b[1]
				c2 += a * b[2]
				c3 += a * b[3]
			}
			r := c[i*ldc+j : i*ldc+j+4]
			r[0] = epilogue(c0, alpha, beta, r[0])
			r[1] = epilogue(c1, alpha, beta, r[1])
			r[2] = epilogue(c2, alpha, beta, r[2])
			r[3] = epilogue(c3, alpha, beta, r[3])
		}
	}
}

// gemvRowGo returns the dot product of a and x (equal lengths) in the
// order the vector kernels use: eight lane sums s_l over j ≡ l (mod 8) for
// the first ⌊n/8⌋·8 elements, a separate chain for the tail, then
// ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail.
func gemvRowGo(a, x []float64) float64 {
	x = x[:len(a)]
	n8 := len(a) &^ 7
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for j := 0; j < n8; j += 8 {
		aa := a[j : j+8]
		xx := x[j : j+8]
		s0 += aa[0] * xx[0]
		s1 += aa[1] * xx[1]
		s2 += aa[2] * xx[2]
		s3 += aa[3] * xx[3]
		s4 += aa[4] * xx[4]
		s5 += aa[5] * xx[5]
		s6 += aa[6] * xx[6]
		s7 += aa[7] * xx[7]
	}
	var tail float64
	for j := n8; j < len(a); j++ {
		tail += a[j] * x[j]
	}
	u0, u1, u2, u3 := s0+s4, s1+s5, s2+s6, s3+s7
	return ((u0 + u2) + (u1 + u3)) + tail
}

// gemvColsGo continues the chains out[j] += Σ_i a[i*lda+j]·x[i] for j < w,
// each over i in order.
func gemvColsGo(m, w int, a []float64, lda int, x []float64, out []float64) {
	out = out[:w]
	x = x[:m]
	j := 0
	for ; j+4 <= w; j += 4 {
		t0, t1, t2, t3 := out[j], out[j+1], out[j+2], out[j+3]
		for i, xi := range x {
			r := a[i*lda+j : i*lda+j+4]
			t0 += r[0] * xi
			t1 += r[1] * xi
			t2 += r[2] * xi
			t3 += r[3] * xi
		}
		out[j], out[j+1], out[j+2], out[j+3] = t0, t1, t2, t3
	}
	for ; j < w; j++ {
		t := out[j]
		for i, xi := range x {
			t += a[i*lda+j] * xi
		}
		out[j] = t
	}
}

// gemvColsFMA is gemvColsGo with fused multiply-adds: the bits of the AVX2
// kernel GemvT32's chains, for the columns it leaves over.
func gemvColsFMA(m, w int, a []float64, lda int, x []float64, out []float64) {
	out = out[:w]
	x = x[:m]
	for j := range out {
		t := out[j]
		for i, xi := range x {
			t = math.FMA(a[i*lda+j], xi, t)
		}
		out[j] = t
	}
}
