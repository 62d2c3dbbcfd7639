package kernel_test

import (
	"slices"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/kernel"
)

func TestVariants(t *testing.T) {
	for _, name := range kernel.Names() {
		t.Run(name, func(t *testing.T) {
			b, err := kernel.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			if b.Name() != name {
				t.Fatalf("Get(%q).Name() = %q", name, b.Name())
			}
			reference.KernelSuite(t, b)
		})
	}
	// The asm variant's fallback, as on a CPU without AVX2+FMA.
	t.Run("asm-generic", func(t *testing.T) { reference.KernelSuite(t, kernel.NewAsmGeneric()) })
}

func TestGet(t *testing.T) {
	names := kernel.Names()
	for _, want := range []string{"asm", "gonum", "naive", "tuned"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v lacks %q", names, want)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v not sorted", names)
	}
	if _, err := kernel.Get("no-such"); err == nil {
		t.Error("Get(no-such) returned no error")
	}
	b, err := kernel.Get("")
	if err != nil || b.Name() != kernel.Default().Name() {
		t.Errorf("Get(\"\") = %v, %v; want Default (%s)", b, err, kernel.Default().Name())
	}
}
