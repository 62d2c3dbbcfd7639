//go:build !amd64

package avx

// Tiles is not available outside amd64.
func Tiles(count, k int, a *float64, as, lda int, b *float64, bs, ldb int, c *float64, cs, ldc int, add int) {
	panic("avx: not amd64")
}

// TanhDot is not available outside amd64.
func TanhDot(dst, src, a *float64, n int, acc *[8]float64) { panic("avx: not amd64") }

// TanhGradRow is not available outside amd64.
func TanhGradRow(out, ga, h, a *float64, n int, c float64) { panic("avx: not amd64") }

// TanhHVPDot is not available outside amd64.
func TanhHVPDot(sd, h, zd, a, b *float64, n int, acc *[8]float64) { panic("avx: not amd64") }

// TanhHVPRow is not available outside amd64.
func TanhHVPRow(dd, ha, h, sd, a, b *float64, n int, cf, cr, m2cr float64) {
	panic("avx: not amd64")
}
