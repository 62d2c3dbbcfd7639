package benchmarks

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/experiment"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/kernel"
)

// centralSteps is the window of BenchmarkCentralFlow: the anchor run's 2000
// GD steps, or EOSKIT_CENTRAL_STEPS (a shorter window for a quick look), or
// 4 steps under -short (make bench-smoke runs every benchmark once).
func centralSteps(b *testing.B) int {
	if testing.Short() {
		return 4
	}
	if s := os.Getenv("EOSKIT_CENTRAL_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("EOSKIT_CENTRAL_STEPS=%q: want a positive integer", s)
		}
		return n
	}
	return 2000
}

// BenchmarkCentralFlow compares the cost of the central flow
// (flow.Central) over the anchor network's window with eoskit's own GD run
// with sharpness tracking on the same window: experiment anchor-eos
// (two-layer tanh network, m = 512, n = 500, d = 32, mean-field, random
// labels, η = 862; GD measures the sharpness every 10 steps with the
// tracker at relative residual 10⁻⁶), one whole run per op.
//
//   - impl=gd: GD and its sharpness measurements (as BenchmarkEoSRun);
//   - impl=central-every: the central flow with the reference scheme
//     (Euler h = η/2, eigenvectors and third derivatives refreshed every
//     step), MaxDim 4, eigen tolerance 10⁻⁶;
//   - impl=central-adaptive: the same with RefreshTol = 10⁻² (refreshes
//     when the velocity with the frozen data drifts by 1%).
//
// Metrics (deterministic counts): grads, hvps, thirds and refreshes per GD
// step (per unit of time η), and the largest active dimension. The target
// of issue 15 is a central flow at most 3× GD's cost, single thread:
//
//	go test ./benchmarks -run '^$' -bench 'CentralFlow' -benchtime 1x -cpu 1 -timeout 3h
//
// (EOSKIT_CENTRAL_STEPS=200 shortens the window.)
func BenchmarkCentralFlow(b *testing.B) {
	spec, err := experiment.Embedded("anchor-eos")
	if err != nil {
		b.Fatal(err)
	}
	steps := centralSteps(b)
	spec.GD.Steps = steps
	eta := spec.GD.Eta
	b.Run("impl=gd/shape=anchor-eos", func(b *testing.B) {
		var hvps, grads int
		b.ReportAllocs()
		for b.Loop() {
			exp, err := experiment.Build(spec)
			if err != nil {
				b.Fatal(err)
			}
			res, err := exp.Run(context.Background(), experiment.RunOptions{})
			if err != nil {
				b.Fatal(err)
			}
			for _, row := range res.Trace {
				hvps += row.Eigen.HVPs + row.Center.HVPs
			}
			grads += res.GD.Steps + 1
		}
		n := float64(b.N * steps)
		b.ReportMetric(float64(grads)/n, "grads/gd-step")
		b.ReportMetric(float64(hvps)/n, "hvps/gd-step")
		b.ReportMetric(0, "thirds/gd-step")
	})
	for _, v := range []struct {
		name string
		set  flow.CentralSettings
	}{
		{"central-every", flow.CentralSettings{MaxDim: 4, EigenTol: 1e-6}},
		{"central-adaptive", flow.CentralSettings{MaxDim: 4, EigenTol: 1e-6, RefreshTol: 1e-2}},
	} {
		b.Run("impl="+v.name+"/shape=anchor-eos", func(b *testing.B) {
			var st flow.CentralStats
			b.ReportAllocs()
			for b.Loop() {
				exp, err := experiment.Build(spec)
				if err != nil {
					b.Fatal(err)
				}
				c, err := flow.NewCentral(exp.Objective, eta, v.set)
				if err != nil {
					b.Fatal(err)
				}
				s, err := c.Sample(context.Background(), exp.Theta0, flow.Grid{Eta: eta, Steps: steps, Every: 10}, func(*flow.CentralSample) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				st.Grads += s.Grads
				st.HVPs += s.HVPs
				st.Thirds += s.Thirds
				st.Refreshes += s.Refreshes
				st.MaxActive = max(st.MaxActive, s.MaxActive)
			}
			n := float64(b.N * steps)
			b.ReportMetric(float64(st.Grads)/n, "grads/gd-step")
			b.ReportMetric(float64(st.HVPs)/n, "hvps/gd-step")
			b.ReportMetric(float64(st.Thirds)/n, "thirds/gd-step")
			b.ReportMetric(float64(st.Refreshes)/n, "refreshes/gd-step")
			b.ReportMetric(float64(st.MaxActive), "max-active")
		})
	}
}

// BenchmarkTwoLayerThird is one contracted third derivative ∇³E[u, u] of
// the anchors' network (the central flow needs k(k+1)/2 of them per
// refresh), beside a gradient and a cached Hessian-vector product in the
// same run, so that their ratio (robust to the machine's load) gives the
// cost model of the central flow: a refresh costs HVPs·t_hvp +
// thirds·t_third, an Euler step t_grad.
func BenchmarkTwoLayerThird(b *testing.B) {
	be := kernel.Default()
	for _, m := range []int{64, 512} {
		net, theta, v := twoLayerAnchor(b, m, be)
		out := make([]float64, net.Dim())
		b.Run(fmt.Sprintf("impl=%s/shape=m%d/op=third", be.Name(), m), func(b *testing.B) {
			net.Third(theta, v, v, out)
			b.ReportAllocs()
			for b.Loop() {
				net.Third(theta, v, v, out)
			}
		})
		b.Run(fmt.Sprintf("impl=%s/shape=m%d/op=grad", be.Name(), m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				net.Grad(theta, out)
			}
		})
		b.Run(fmt.Sprintf("impl=%s/shape=m%d/op=hvp", be.Name(), m), func(b *testing.B) {
			op := sim.HessianAt(net, theta)
			b.ReportAllocs()
			for b.Loop() {
				op.Apply(v, out)
			}
		})
	}
}
