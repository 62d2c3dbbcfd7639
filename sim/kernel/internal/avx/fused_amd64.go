//go:build amd64

package avx

// Tiles computes count 6×8 tiles C_t = A_t·B_t (add == 0) or
// C_t = C_t + A_t·B_t (add != 0), where A_t(i, l) = a[t*as + l*lda + i],
// B_t(l, j) = b[t*bs + l*ldb + j] and C_t(i, j) = c[t*cs + i*ldc + j],
// strides in elements, k ≥ 1. Each element is one fused multiply-add chain
// over l in order from +0, then stored or added to C with one rounding
// (GemmKernel with alpha = 1 and beta 0 or 1).
//
//go:noescape
func Tiles(count, k int, a *float64, as, lda int, b *float64, bs, ldb int, c *float64, cs, ldc int, add int)

// TanhDot writes dst[i] = tanh(src[i]) for i < n (a multiple of 4), with
// Tanh's operations, and continues the lane sums
// acc[l] = fma(dst[i], a[i], acc[l]) for i ≡ l (mod 8), in order of i.
//
//go:noescape
func TanhDot(dst, src, a *float64, n int, acc *[8]float64)

// TanhGradRow computes, for i < n (a multiple of 4), d = fma(−h, h, 1),
// ga[i] = fma(c, h[i], ga[i]) and out[i] = (c·a[i])·d. out may be h.
//
//go:noescape
func TanhGradRow(out, ga, h, a *float64, n int, c float64)

// TanhHVPDot computes, for i < n (a multiple of 4),
// sd[i] = fma(−h, h, 1)·zd[i] and continues the lane sums
// acc[l] = acc[l] + fma(h[i], b[i], sd[i]·a[i]) for i ≡ l (mod 8). sd may
// be zd.
//
//go:noescape
func TanhHVPDot(sd, h, zd, a, b *float64, n int, acc *[8]float64)

// TanhHVPRow computes, for i < n (a multiple of 4), d1 = fma(−h, h, 1),
// ha[i] = fma(cr, sd[i], fma(cf, h[i], ha[i])), t = fma(cf, a[i], cr·b[i]),
// u = (m2cr·a[i])·h[i] and dd[i] = fma(u, sd[i], t·d1). dd may be sd.
//
//go:noescape
func TanhHVPRow(dd, ha, h, sd, a, b *float64, n int, cf, cr, m2cr float64)
