//go:build !amd64

package peak

func vector() bool { return false }

func fmaAsm(n int, acc *[Lanes]float64) { panic("peak: no vector loop on this platform") }
