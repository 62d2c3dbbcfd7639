package experiment

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/eoskit/eoskit/sim"
)

// cancelling is an objective that cancels a context during its n-th
// Hessian-vector product and counts them.
type cancelling struct {
	sim.Objective
	hvps, at int
	cancel   context.CancelFunc
}

func (c *cancelling) HessVec(theta, v, hv []float64) {
	c.hvps++
	if c.hvps == c.at {
		c.cancel()
	}
	c.Objective.HessVec(theta, v, hv)
}

// TestRunStopsInsideMeasurements: a run cancelled in the middle of a
// spectrum measurement stops there, whatever the method: no further HVP,
// the run is reported interrupted (not failed), and its partial results are
// written to DIR.interrupted. The measurements used to run to completion
// (a dense solve at p = 12000 ignored Ctrl-C for minutes) and GD went on
// to its next context check 64 steps later.
func TestRunStopsInsideMeasurements(t *testing.T) {
	for _, method := range []string{"dense", "lanczos", "tracker"} {
		for _, at := range []int{3, 30} { // in the first measurement; in a later one
			doc := `{"name": "c", "model": {"kind": "matfact", "depth": 3, "dim": 2, "target": [[5.2, 0], [0, 1]]},
				"init": {"theta": [0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25, 0.25, 0.05, 0.1, -0.2]},
				"gd": {"eta": 0.077, "steps": 1000}, "measure": {"sharpness_every": 1, "method": "` + method + `"}}`
			exp := buildDoc(t, doc)
			ctx, cancel := context.WithCancel(context.Background())
			obj := &cancelling{Objective: exp.Objective, at: at, cancel: cancel}
			exp.Objective = obj
			res, err := exp.Run(ctx, RunOptions{})
			cancel()
			if err != nil {
				t.Fatalf("%s, cancelled at HVP %d: %v", method, at, err)
			}
			if obj.hvps != at || !res.Cancelled() || res.GD.Steps > at {
				t.Errorf("%s, cancelled at HVP %d: %d HVPs, cancelled %v after %d steps; want no HVP after the cancelling one",
					method, at, obj.hvps, res.Cancelled(), res.GD.Steps)
			}
			written, _, err := res.Write(filepath.Join(t.TempDir(), "r"))
			if err != nil || filepath.Base(written) != "r.interrupted" {
				t.Errorf("%s: written to %q (%v), want r.interrupted", method, written, err)
			}
		}
	}
}
