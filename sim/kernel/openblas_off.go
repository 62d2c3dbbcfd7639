//go:build !(cgo && openblas)

package kernel

// optionalVariants lists the variants that depend on build tags: none in
// the default, pure-Go build (build with -tags openblas and cgo enabled to
// add "openblas").
func optionalVariants() []variant { return nil }
