//go:build !race

package model_test

// raceEnabled reports a build with the race detector (see
// twolayer_race_test.go).
const raceEnabled = false
