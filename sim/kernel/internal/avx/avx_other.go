//go:build !amd64

package avx

// Supported reports whether the CPU supports AVX2 and FMA3: never outside
// amd64.
func Supported() bool { return false }

// GemmKernel is not available outside amd64.
func GemmKernel(kc int, a, b, c *float64, ldc int, alpha, beta float64) { panic("avx: not amd64") }

// GemvN4 is not available outside amd64.
func GemvN4(n int, a *float64, lda int, x *float64, out *[4]float64) { panic("avx: not amd64") }

// GemvN2x2 is not available outside amd64.
func GemvN2x2(n int, a *float64, lda int, x, y *float64, out *[4]float64) { panic("avx: not amd64") }

// GemvT32 is not available outside amd64.
func GemvT32(m int, a *float64, lda int, x *float64, acc *[32]float64) { panic("avx: not amd64") }

// Tanh is not available outside amd64.
func Tanh(dst, src *float64, n int) { panic("avx: not amd64") }

// PackT8 is not available outside amd64.
func PackT8(k int, src *float64, ld int, dst *float64) { panic("avx: not amd64") }

// PackT6 is not available outside amd64.
func PackT6(k int, src *float64, ld int, dst *float64) { panic("avx: not amd64") }

// GemvN1 is not available outside amd64.
func GemvN1(n int, a *float64, x *float64) float64 { panic("avx: not amd64") }

// DotTile is not available outside amd64.
func DotTile(k int, a0, a1, a2, b0, b1, b2, b3 *float64, acc *[48]float64) { panic("avx: not amd64") }
