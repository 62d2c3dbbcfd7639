package flow_test

import (
	"context"
	"fmt"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
)

// The central flow of the quartic E = ¼(x² − 1)² at η = 1.2 climbs the
// sharpness 3x² − 1 from x = 0.5 and stops where it reaches 2/η, at
// x* = √((1 + 2/η)/3) with the oscillation variance σ² = 2(η − 1)/(9η).
func ExampleCentral() {
	eta := 1.2
	c, err := flow.NewCentral(model.NewQuartic(), eta, flow.CentralSettings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Sample(context.Background(), []float64{0.5}, flow.Grid{Eta: eta, Steps: 200, Every: 50}, func(s *flow.CentralSample) error {
		fmt.Printf("k=%3d x=%.6f S=%.6f active=%d tr Σ=%.6f predicted L̄=%.6f\n", s.Step, s.Theta[0], s.Sharpness, s.Active, s.TraceSigma, s.PredLoss)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// k=  0 x=0.500000 S=-0.250000 active=0 tr Σ=0.000000 predicted L̄=0.140625
	// k= 50 x=0.942809 S=1.666667 active=1 tr Σ=0.037037 predicted L̄=0.033951
	// k=100 x=0.942809 S=1.666667 active=1 tr Σ=0.037037 predicted L̄=0.033951
	// k=150 x=0.942809 S=1.666667 active=1 tr Σ=0.037037 predicted L̄=0.033951
	// k=200 x=0.942809 S=1.666667 active=1 tr Σ=0.037037 predicted L̄=0.033951
}
