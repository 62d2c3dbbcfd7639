package kernel

// packA copies the mc×kc block of op(A) at (ic, pc) into ap as ⌈mc/mr⌉
// panels of kc×mr (element (i, l) of a panel at l*mr+i), zero-padding the
// last panel's missing rows.
func packA(ap []float64, tA bool, a []float64, lda, ic, pc, mc, kc int) {
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
		for i := 0; i < mh; i++ {
			src := a[(ic+ir+i)*lda+pc : (ic+ir+i)*lda+pc+kc]
			for l, v := range src {
				dst[l*mr+i] = v
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
func packB(bp []float64, tB bool, b []float64, ldb, pc, jc, kc, nc int) {
	for jr := 0; jr < nc; jr += nr {
		dst := bp[jr*kc : (jr+nr)*kc]
		nw := min(nr, nc-jr)
		if !tB {
			// op(B)[l, j] = b[l*ldb+j]: each l is a contiguous run of columns.
			for l := 0; l < kc; l++ {
				src := b[(pc+l)*ldb+jc+jr:]
				d := dst[l*nr : l*nr+nr]
				if nw == nr {
					src = src[:nr]
					d[0], d[1], d[2], d[3] = src[0], src[1], src[2], src[3]
					d[4], d[5], d[6], d[7] = src[4], src[5], src[6], src[7]
					continue
				}
				copy(d, src[:nw])
				clear(d[nw:])
			}
			continue
		}
		// op(B)[l, j] = b[j*ldb+l]: each column j is contiguous in l.
		for j := 0; j < nw; j++ {
			src := b[(jc+jr+j)*ldb+pc : (jc+jr+j)*ldb+pc+kc]
			for l, v := range src {
				dst[l*nr+j] = v
			}
		}
		for j := nw; j < nr; j++ {
			for l := 0; l < kc; l++ {
				dst[l*nr+j] = 0
			}
		}
	}
}
