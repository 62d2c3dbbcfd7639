package benchmarks

import (
	"context"
	"testing"

	"github.com/eoskit/eoskit/sim/experiment"
)

// BenchmarkEoSRun runs an embedded experiment end to end (building the data
// and model, GD, the spectrum measurements, the period-2 analysis; no files
// are written), one whole run per op. problem=anchor-eos is the headline
// anchor (w4_eos.py, see the package documentation): the two-layer tanh net m = 512 on its
// random labels, η = 862, 2000 GD steps, sharpness every 10 steps at
// relative residual 1e-6 (201 estimates). The anchor reports the PyTorch
// run at 140 s (57 HVPs per cold estimate), its warm-started variant at
// 74 s (37) and the NumPy variant at 45 s, single-threaded; compare in one
// session with
//
//	/usr/bin/python3 $ANCHORS/w4_eos.py --threads 1 --variant torch
//	go test ./benchmarks -run '^$' -bench 'EoSRun' -benchtime 1x -cpu 1
//
// Metrics: hvps/estimate and estimates/op (deterministic), gd-steps/op.
func BenchmarkEoSRun(b *testing.B) {
	for _, name := range []string{"anchor-eos", "teacher-eos"} {
		b.Run("impl=eoskit/problem="+name, func(b *testing.B) {
			spec, err := experiment.Embedded(name)
			if err != nil {
				b.Fatal(err)
			}
			var hvps, estimates, steps int
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
					if row.Eigen.Values != nil {
						hvps += row.Eigen.HVPs
						estimates++
					}
					if row.Center.Values != nil {
						hvps += row.Center.HVPs
						estimates++
					}
				}
				steps += res.GD.Steps
			}
			b.ReportMetric(float64(hvps)/float64(estimates), "hvps/estimate")
			b.ReportMetric(float64(estimates)/float64(b.N), "estimates/op")
			b.ReportMetric(float64(steps)/float64(b.N), "gd-steps/op")
		})
	}
}
