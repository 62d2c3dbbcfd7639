package properties

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/eoskit/eoskit/reference"
)

func TestMain(m *testing.M) {
	seed := flag.String("gopter.seed", "", "override the gopter seed (default reference.DefaultGopterSeed, or $GOPTER_SEED)")
	flag.Parse()
	if *seed != "" {
		if _, err := strconv.ParseInt(*seed, 10, 64); err != nil {
			fmt.Fprintf(os.Stderr, "properties: -gopter.seed=%q is not an integer\n", *seed)
			os.Exit(2)
		}
		os.Setenv(reference.GopterSeedEnv, *seed)
	}
	os.Exit(m.Run())
}
