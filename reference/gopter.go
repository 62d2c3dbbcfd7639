package reference

import (
	"os"
	"strconv"
	"testing"

	"github.com/leanovate/gopter"
)

// DefaultGopterSeed is the seed every gopter property in eoskit uses unless
// the environment variable GOPTER_SEED overrides it. A fixed default keeps
// `make test` deterministic; a failing seed is printed so that the failure
// can be replayed.
const DefaultGopterSeed int64 = 20261127

// GopterSeedEnv names the environment variable that overrides the seed.
const GopterSeedEnv = "GOPTER_SEED"

// GopterParameters returns gopter test parameters with a fixed seed
// (DefaultGopterSeed, or GOPTER_SEED when it is set to an integer) and with
// MinSuccessfulTests set to full, or to short under `go test -short`.
// When the test fails, the seed is logged together with the command-line
// hint that replays it.
func GopterParameters(t testing.TB, full, short int) *gopter.TestParameters {
	t.Helper()
	seed := DefaultGopterSeed
	if s := os.Getenv(GopterSeedEnv); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("reference: %s=%q is not an integer: %v", GopterSeedEnv, s, err)
		}
		seed = v
	}
	p := gopter.DefaultTestParametersWithSeed(seed)
	p.MinSuccessfulTests = full
	if testing.Short() {
		p.MinSuccessfulTests = short
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gopter seed %d: replay with %s=%d go test -run '%s'", seed, GopterSeedEnv, seed, t.Name())
		}
	})
	return p
}
