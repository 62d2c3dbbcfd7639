package kernel

import "github.com/eoskit/eoskit/sim/kernel/internal/avx"

// The packing routines copy blocks of the operands into the layouts the
// micro-kernel reads. They move values without arithmetic, so every path
// (the AVX2 transposing copies, the Go loops) packs the same bits.

// packA copies the mc×kc block of op(A) at (ic, pc) into ap as ⌈mc/mr⌉
// panels of kc×mr (element (i, l) of a panel at l*mr+i), zero-padding the
// last panel's missing rows.
func packA(s isa, ap []float64, tA bool, a []float64, lda, ic, pc, mc, kc int) {
	if tA {
		// op(A)[i, l] = a[l*lda+i]: row l of the stored matrix holds the
		// block's mc values of column l; read it once, front to back.
		full := mc / mr * mr
		for l := 0; l < kc; l++ {
			src := a[(pc+l)*lda+ic : (pc+l)*lda+ic+mc]
			for ir := 0; ir < full; ir += mr {
				s := src[ir : ir+mr]
				d := ap[ir*kc+l*mr : ir*kc+l*mr+mr]
				d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
			}
			if full < mc {
				d := ap[full*kc+l*mr : full*kc+l*mr+mr]
				copy(d, src[full:])
				clear(d[mc-full:])
			}
		}
		return
	}
	for ir := 0; ir < mc; ir += mr {
		dst := ap[ir*kc : (ir+mr)*kc]
		mh := min(mr, mc-ir)
		// op(A)[i, l] = a[i*lda+l]: each row i is contiguous in l.
		l0 := 0
		if s == isaAVX2 && mh == mr && kc >= 4 {
			row := (ic+ir)*lda + pc
			_ = a[row+(mr-1)*lda+kc-1]
			avx.PackT6(kc, &a[row], lda, &dst[0])
			l0 = kc &^ 3
		}
		for i := 0; i < mh; i++ {
			src := a[(ic+ir+i)*lda+pc : (ic+ir+i)*lda+pc+kc]
			for l := l0; l < kc; l++ {
				dst[l*mr+i] = src[l]
			}
		}
		for i := mh; i < mr; i++ {
			for l := 0; l < kc; l++ {
				dst[l*mr+i] = 0
			}
		}
	}
}

// packB copies the kc×nc block of op(B) at (pc, jc) into bp as ⌈nc/nr⌉
// panels of kc×nr (element (l, j) of a panel at l*nr+j), zero-padding the
// last panel's missing columns.
func packB(s isa, bp []float64, tB bool, b []float64, ldb, pc, jc, kc, nc int) {
	if !tB {
		// op(B)[l, j] = b[l*ldb+j]: read each row l of the block front to
		// back (one long run per row, which the prefetchers follow) and
		// scatter its groups of nr columns into the panels.
		full := nc / nr * nr
		for l := 0; l < kc; l++ {
			src := b[(pc+l)*ldb+jc : (pc+l)*ldb+jc+nc]
			for jr := 0; jr < full; jr += nr {
				v := src[jr : jr+nr]
				d := bp[jr*kc+l*nr : jr*kc+l*nr+nr]
				d[0], d[1], d[2], d[3] = v[0], v[1], v[2], v[3]
				d[4], d[5], d[6], d[7] = v[4], v[5], v[6], v[7]
			}
			if full < nc {
				d := bp[full*kc+l*nr : full*kc+l*nr+nr]
				copy(d, src[full:])
				clear(d[nc-full:])
			}
		}
		return
	}
	for jr := 0; jr < nc; jr += nr {
		dst := bp[jr*kc : (jr+nr)*kc]
		nw := min(nr, nc-jr)
		// op(B)[l, j] = b[j*ldb+l]: each column j is contiguous in l.
		l0 := 0
		if s == isaAVX2 && nw == nr && kc >= 4 {
			row := (jc+jr)*ldb + pc
			_ = b[row+(nr-1)*ldb+kc-1]
			avx.PackT8(kc, &b[row], ldb, &dst[0])
			l0 = kc &^ 3
		}
		for j := 0; j < nw; j++ {
			src := b[(jc+jr+j)*ldb+pc : (jc+jr+j)*ldb+pc+kc]
			for l := l0; l < kc; l++ {
				dst[l*nr+j] = src[l]
			}
		}
		for j := nw; j < nr; j++ {
			for l := 0; l < kc; l++ {
				dst[l*nr+j] = 0
			}
		}
	}
}
