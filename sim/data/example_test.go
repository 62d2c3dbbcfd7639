package data_test

import (
	"fmt"
	"log"

	"github.com/eoskit/eoskit/sim/data"
)

// A synthetic regression set labelled by a random width-4 tanh teacher.
func ExampleTeacher() {
	s, err := data.Teacher(data.TeacherConfig{N: 200, D: 10, Noise: 0.01, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.N, s.D, s.C)
	fmt.Println(s.Source)
	// Output:
	// 200 10 1
	// teacher(n=200, d=10, width=4, outputs=1, noise=0.01, seed=1): x~N(0,I), y=B·tanh(U·x)+noise
}

// 500 MNIST images of zeros and ones, downsampled to 14×14, with ±1 targets.
func ExampleMNIST() {
	s, err := data.MNIST(data.MNISTConfig{N: 500, Classes: []int{0, 1}, Downsample: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.N, s.D, s.C)
	fmt.Println("first targets:", s.Y[:4]) // the first 0 and 1 digits of MNIST: 0, 1, 1, 1
	// Output:
	// 500 196 1
	// first targets: [-1 1 1 1]
}

// The problem instance of the Python anchors, with the anchors' student
// initialisation for width 512 and the Lanczos start vector.
func ExampleAnchor() {
	s, err := data.Anchor(data.AnchorN, data.AnchorD, data.AnchorRandom)
	if err != nil {
		log.Fatal(err)
	}
	theta := data.AnchorInit(512, s.D)
	v := data.ProbeVector(len(theta), data.AnchorSeedProbe)
	fmt.Println(s.N, s.D, s.C, len(theta), len(v))
	fmt.Printf("x[0][0] = %.6f, y[0] = %.6f\n", s.X[0], s.Y[0])
	// Output:
	// 500 32 1 16896 16896
	// x[0][0] = -0.028250, y[0] = 0.019979
}

// Data given directly, as a spec's "data": {"kind": "inline", ...} holds it.
func ExampleInlineScalar() {
	s, err := data.InlineScalar([][]float64{{1, 0}, {0, 1}, {1, 1}}, []float64{1, -1, 0})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	_, err = data.Inline([][]float64{{1, 0}, {0}}, [][]float64{{1}, {2}})
	fmt.Println(err)
	// Output:
	// 3 examples, d=2, c=1: inline(n=3, d=2, c=1)
	// data: inline: x[1] has 1 values but x[0] has 2 (ragged rows)
}
