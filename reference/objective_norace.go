//go:build !race

package reference

// objRaceEnabled reports a build with the race detector (see
// objective_race.go).
const objRaceEnabled = false
