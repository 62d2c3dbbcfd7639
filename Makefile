# eoskit — see README.md. Every target needs only Go (and the Go module proxy).
GO      ?= go
BIN     := bin/eoskit
PKGS    := ./...

.PHONY: all build run test test-short golden-update lint bench bench-compare bench-ab bench-smoke clean

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/eoskit

## run: build eoskit and run the default experiment (MF-EoS) into out/default/
run: build
	./$(BIN) run default

## test: vet, the whole test suite, and the golden files again with fused multiply-adds
test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)
	GOAMD64=v3 $(GO) test -count=1 ./golden

## test-short: the quick subset (fewer random cases, no heavy sweeps)
test-short:
	$(GO) test -short -count=1 $(PKGS)

## golden-update: rewrite the golden files from fresh runs (review the diff!)
golden-update:
	$(GO) test -count=1 ./golden -update

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## bench: run the benchmarks (6 rounds, 1 and 2 threads) into benchmarks/results/<UTC time>.txt
##        BENCH=regexp selects benchmarks; TAGS=openblas adds the OpenBLAS variant (cgo, libopenblas-dev)
BENCH ?= .
TAGS  ?=
bench:
	benchmarks/run.sh -b '$(BENCH)' $(if $(TAGS),-x $(TAGS))

## bench-smoke: every benchmark once (-benchtime=1x, -short), failing only on deterministic figures
##              (allocations, evaluation counts) listed in benchmarks/limits.txt — never on wall time.
##              Single-threaded: with two threads the runtime may allocate a wait-queue entry (sudog)
##              when a kernel call blocks right after a garbage collection, a rare, load-dependent count.
bench-smoke:
	$(GO) test ./benchmarks -short -count=1 -cpu 1 -run '^$$' -bench . -benchtime=1x | $(GO) run ./benchmarks/internal/benchcheck benchmarks/limits.txt

## bench-compare: benchstat of two result files: by default the newest raw result (not a saved
##                *-benchstat.txt table) that has an older one to compare with, against the newest older
##                one that ran the same -bench pattern (else one with a benchmark in common);
##                NEW=... BASE=... to choose
bench-compare:
	benchmarks/compare.sh

## bench-ab: build two revisions' benchmark binaries and run them interleaved, then benchstat
##           OLD=rev (default HEAD), NEW_REV=rev (default: the working tree), BENCH=regexp
OLD ?= HEAD
bench-ab:
	benchmarks/ab.sh -b '$(BENCH)' $(OLD) $(NEW_REV)

clean:
	rm -rf bin out
