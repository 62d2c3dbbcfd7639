package kernel

// NewAsmGeneric returns the asm variant forced onto its pure-Go fallback, as
// on a CPU without AVX2 and FMA.
func NewAsmGeneric() Backend { return newAsm(isaGeneric) }
