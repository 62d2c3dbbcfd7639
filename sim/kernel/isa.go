package kernel

import "github.com/eoskit/eoskit/sim/kernel/internal/avx"

// detectISA returns the best kernel set this CPU supports.
func detectISA() isa {
	if avx.Supported() {
		return isaAVX2
	}
	return isaGeneric
}
