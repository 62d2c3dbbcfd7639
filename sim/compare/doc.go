// Package compare lays a continuous-time model over a GD run: it measures
// how well a flow's predictions track GD's period-2 observers on the same
// time grid t = kη, with one set of metrics shared by every flow (gradient
// flow, models A and B, the central flow), so that a reader can rank them.
//
// The inputs are plain series on GD's recorded steps (Observed): the
// time-averaged loss L̄_k, the loss at the centre E(θ̄_k), the amplitude
// |a_k| and the centre sharpness, for GD (from sim/gd's period-2
// observations) and for a flow (its predictions of the same quantities).
// Compare returns, over the flow's window:
//
//   - relative errors |pred − gd|/|gd| of each quantity: median, 90th
//     percentile and maximum (ErrorStats);
//   - the Edge-of-Stability onset step of each, the first step whose
//     sharpness reaches 0.99·2/η (Onset);
//   - loss spikes (DetectSpikes), and the fraction of GD's spikes that the
//     flow reproduces within a window, with the ratio of their heights
//     (MatchSpikes).
//
// The spike definition is eoskit's [D] (design notes §3 describe a spike
// only qualitatively, as an excursion of L̄_k − E(θ̄_k) that rises and falls
// within a window short against the drift of θ̄): see DetectSpikes. The
// metrics are statistics of trajectories, which is what may be compared
// after the onset, where GD is chaotic.
package compare
