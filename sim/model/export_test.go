package model

// CachedAt returns the point of t's cached forward pass, or nil when nothing
// is cached: the tests check with it where the cache is filled.
func CachedAt(t *TwoLayer) []float64 {
	if !t.cached {
		return nil
	}
	return t.cacheTheta
}
