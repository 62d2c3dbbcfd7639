package kinetic

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// Moments are the observables of the empirical law ν_m of (θ, δ) at one
// state: the free energy, the losses, and moments of the particles. a_i
// denotes the output weight for one output (c = 1, signed) and its norm
// ‖a_i‖ for several.
type Moments struct {
	// FreeEnergy is 𝓕[ν] (System.FreeEnergy).
	FreeEnergy float64
	// Loss is ½[R(f_+) + R(f_−)], the prediction of GD's time-averaged
	// loss; LossPlus and LossMinus are R(f_±) and CenterLoss is E_m(θ).
	Loss, LossPlus, LossMinus, CenterLoss float64
	// Swing is the collective oscillation of the output,
	// ((1/n)Σ_s ‖f_+(x_s) − f_−(x_s)‖²)^{1/2}/2: O(1) when the δ_i are
	// aligned with the collective (Gauss–Newton) mode, O(|δ|/√m) when
	// they are independent of the particles.
	Swing float64
	// DeltaRMS is (∫|δ|²dν)^{1/2}; DeltaWRMS and DeltaARMS are the same
	// for the input and output parts of δ, and DeltaMax is max_i |δ_i|.
	DeltaRMS, DeltaWRMS, DeltaARMS, DeltaMax float64
	// WNormMean and WNormRMS are ∫‖w‖dν and (∫‖w‖²dν)^{1/2}.
	WNormMean, WNormRMS float64
	// AMean and ARMS are ∫a dν and (∫a²dν)^{1/2}.
	AMean, ARMS float64
}

// MomentsHeader is the CSV header of Moments.Row, in the same order.
var MomentsHeader = []string{"free_energy", "loss", "loss_plus", "loss_minus", "center_loss", "swing",
	"delta_rms", "delta_w_rms", "delta_a_rms", "delta_max", "w_norm_mean", "w_norm_rms", "a_mean", "a_rms"}

// Row returns the moments in the order of MomentsHeader.
func (mo Moments) Row() []float64 {
	return []float64{mo.FreeEnergy, mo.Loss, mo.LossPlus, mo.LossMinus, mo.CenterLoss, mo.Swing,
		mo.DeltaRMS, mo.DeltaWRMS, mo.DeltaARMS, mo.DeltaMax, mo.WNormMean, mo.WNormRMS, mo.AMean, mo.ARMS}
}

// Moments returns the observables of the law at y: three losses and two
// forward passes (f_±) of the network, and O(p) work over the particles.
// It allocates the n×c outputs.
func (s *System) Moments(y []float64) Moments {
	pt := s.Observe(y)
	mo := Moments{FreeEnergy: pt.FreeEnergy, Loss: pt.Loss, LossPlus: pt.LossPlus, LossMinus: pt.LossMinus,
		CenterLoss: pt.CenterLoss}
	s.Outputs(y, s.fp, s.fm)
	var sw float64
	for i, v := range s.fp {
		d := v - s.fm[i]
		sw += d * d
	}
	mo.Swing = math.Sqrt(sw/float64(s.n)) / 2
	snap := s.Snapshot(0, 0, y)
	mf := s.mf
	var dw2, da2, w1, w2, a1, a2 float64
	for i := range s.m {
		dw2 += snap.DeltaW[i] * snap.DeltaW[i]
		da2 += snap.DeltaA[i] * snap.DeltaA[i]
		mo.DeltaMax = math.Max(mo.DeltaMax, snap.Delta[i])
		w1 += snap.WNorm[i]
		w2 += snap.WNorm[i] * snap.WNorm[i]
		a1 += snap.A[i]
		a2 += snap.A[i] * snap.A[i]
	}
	mo.DeltaRMS = math.Sqrt((dw2 + da2) / mf)
	mo.DeltaWRMS, mo.DeltaARMS = math.Sqrt(dw2/mf), math.Sqrt(da2/mf)
	mo.WNormMean, mo.WNormRMS = w1/mf, math.Sqrt(w2/mf)
	mo.AMean, mo.ARMS = a1/mf, math.Sqrt(a2/mf)
	return mo
}

// Snapshot is the empirical law at one time as per-particle scalars (one
// entry per particle, in the network's neuron order).
type Snapshot struct {
	// Step is the GD step k and T the particle time t̃ = kη̃.
	Step int
	T    float64
	// WNorm is ‖w_i‖ and A the output weight a_i (c = 1) or its norm
	// ‖a_i‖ (c > 1).
	WNorm, A []float64
	// Delta is |δ_i|; DeltaW and DeltaA are the norms of its input and
	// output parts.
	Delta, DeltaW, DeltaA []float64
}

// Snapshot returns the per-particle scalars of the state y, labelled with
// GD step k and particle time t.
func (s *System) Snapshot(k int, t float64, y []float64) *Snapshot {
	s.checkLen(y, nil)
	m := s.m
	b := make([]float64, 5*m)
	sn := &Snapshot{Step: k, T: t, WNorm: b[:m], A: b[m : 2*m], Delta: b[2*m : 3*m], DeltaW: b[3*m : 4*m], DeltaA: b[4*m:]}
	theta, delta := y[:s.p], y[s.p:]
	av, dv := make([]float64, s.c), make([]float64, s.c)
	for i := range m {
		w, a := s.Particle(theta, i, av)
		dw, da := s.Particle(delta, i, dv)
		sn.WNorm[i] = math.Sqrt(sumSq(w))
		if s.c == 1 {
			sn.A[i] = a[0]
		} else {
			sn.A[i] = math.Sqrt(sumSq(a))
		}
		w2, a2 := sumSq(dw), sumSq(da)
		sn.DeltaW[i], sn.DeltaA[i], sn.Delta[i] = math.Sqrt(w2), math.Sqrt(a2), math.Sqrt(w2+a2)
	}
	return sn
}

// SnapshotHeader is the header of Snapshot.CSV.
var SnapshotHeader = []string{"particle", "w_norm", "a", "delta_norm", "delta_w_norm", "delta_a_norm"}

// CSV returns the snapshot as CSV: a comment line "# step=k t=t̃", the
// header SnapshotHeader, then one row per particle (full precision).
func (sn *Snapshot) CSV() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# step=%d t=%s\n", sn.Step, fmtFloat(sn.T))
	writeRow(&b, SnapshotHeader)
	row := make([]string, len(SnapshotHeader))
	for i := range sn.WNorm {
		row[0] = strconv.Itoa(i)
		for j, v := range []float64{sn.WNorm[i], sn.A[i], sn.Delta[i], sn.DeltaW[i], sn.DeltaA[i]} {
			row[j+1] = fmtFloat(v)
		}
		writeRow(&b, row)
	}
	return b.Bytes()
}

// Quantity names a per-particle scalar of a Snapshot.
type Quantity int

// The per-particle quantities.
const (
	WNorm Quantity = iota // ‖w_i‖
	A                     // a_i (c = 1) or ‖a_i‖
	Delta                 // |δ_i|
)

// String returns the quantity's column name in Snapshot.CSV.
func (q Quantity) String() string {
	switch q {
	case WNorm:
		return "w_norm"
	case A:
		return "a"
	case Delta:
		return "delta_norm"
	}
	return fmt.Sprintf("Quantity(%d)", int(q))
}

// label returns the quantity's axis label.
func (q Quantity) label() string {
	switch q {
	case WNorm:
		return "‖w‖"
	case A:
		return "a"
	case Delta:
		return "|δ|"
	}
	return q.String()
}

// Values returns the snapshot's values of q (a view, not a copy).
func (sn *Snapshot) Values(q Quantity) []float64 {
	switch q {
	case WNorm:
		return sn.WNorm
	case A:
		return sn.A
	case Delta:
		return sn.Delta
	}
	panic(fmt.Sprintf("kinetic: unknown quantity %d", int(q)))
}

// Axis is a histogram axis: Bins equal bins over [Min, Max].
type Axis struct {
	Name     string
	Min, Max float64
	Bins     int
}

// bin returns the bin of v, or −1 outside [Min, Max] (Max is in the last
// bin).
func (ax Axis) bin(v float64) int {
	if !(v >= ax.Min && v <= ax.Max) {
		return -1
	}
	if ax.Max == ax.Min {
		return 0
	}
	return min(int((v-ax.Min)/(ax.Max-ax.Min)*float64(ax.Bins)), ax.Bins-1)
}

// Edge returns the lower edge of bin j (Edge(Bins) = Max).
func (ax Axis) Edge(j int) float64 {
	if j == ax.Bins {
		return ax.Max
	}
	return ax.Min + (ax.Max-ax.Min)*float64(j)/float64(ax.Bins)
}

// AxisFor returns an axis of the given bins over the range of the values
// of every slice, widened to [v−½, v+½] when the range is one value v (NaN
// values are ignored).
func AxisFor(name string, bins int, values ...[]float64) Axis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, vs := range values {
		for _, v := range vs {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case lo > hi:
		lo, hi = 0, 1
	case lo == hi:
		lo, hi = lo-0.5, hi+0.5
	}
	return Axis{Name: name, Min: lo, Max: hi, Bins: bins}
}

// Hist2D is a joint histogram of two per-particle quantities of the law ν:
// Mass[j·X.Bins + i] is the fraction of the particles whose x is in bin i
// and whose y is in bin j; Outside is the fraction outside the axes'
// ranges (the masses sum to 1 − Outside).
type Hist2D struct {
	X, Y    Axis
	Mass    []float64
	Outside float64
}

// NewHist2D bins the pairs (x_i, y_i), each of mass 1/len(x).
func NewHist2D(x, y []float64, xa, ya Axis) *Hist2D {
	if len(x) != len(y) || xa.Bins < 1 || ya.Bins < 1 {
		panic(fmt.Sprintf("kinetic: histogram of %d x and %d y values on %d×%d bins", len(x), len(y), xa.Bins, ya.Bins))
	}
	h := &Hist2D{X: xa, Y: ya, Mass: make([]float64, xa.Bins*ya.Bins)}
	w := 1 / float64(len(x))
	for i, v := range x {
		bx, by := xa.bin(v), ya.bin(y[i])
		if bx < 0 || by < 0 {
			h.Outside += w
			continue
		}
		h.Mass[by*xa.Bins+bx] += w
	}
	return h
}

// Joint returns the joint histogram of the quantities qx and qy of the
// snapshot on the given axes.
func (sn *Snapshot) Joint(qx, qy Quantity, xa, ya Axis) *Hist2D {
	return NewHist2D(sn.Values(qx), sn.Values(qy), xa, ya)
}

// CSV returns the histogram as CSV: header x_lo,x_hi,y_lo,y_hi,mass (with
// the axes' names in a comment line first), one row per bin, x fastest.
func (h *Hist2D) CSV() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# x=%s y=%s outside=%s\n", h.X.Name, h.Y.Name, fmtFloat(h.Outside))
	writeRow(&b, []string{"x_lo", "x_hi", "y_lo", "y_hi", "mass"})
	row := make([]string, 5)
	for j := range h.Y.Bins {
		for i := range h.X.Bins {
			row[0], row[1] = fmtFloat(h.X.Edge(i)), fmtFloat(h.X.Edge(i+1))
			row[2], row[3] = fmtFloat(h.Y.Edge(j)), fmtFloat(h.Y.Edge(j+1))
			row[4] = fmtFloat(h.Mass[j*h.X.Bins+i])
			writeRow(&b, row)
		}
	}
	return b.Bytes()
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func writeRow(b *bytes.Buffer, row []string) {
	for i, v := range row {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v)
	}
	b.WriteByte('\n')
}
