package experiment

import (
	"github.com/eoskit/eoskit/sim/data"
)

// dataParams is implemented by the parameters of each data kind.
type dataParams interface {
	// validate checks ranges and fills defaults; path is "data".
	validate(path string) error
	// load builds the data set; errors name the spec field (path "data").
	load(path string) (*dataSet, error)
}

// dataSet is a loaded data set with its description.
type dataSet struct {
	set      *data.Set
	describe string
}

// dataKinds is the table of data kinds, by the name specs use.
func dataKinds() map[string]func() dataParams {
	return map[string]func() dataParams{}
}
