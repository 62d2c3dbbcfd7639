# eoskit — see README.md. Every target needs only Go (and the Go module proxy).
GO      ?= go
BIN     := bin/eoskit
PKGS    := ./...

.PHONY: all build run test test-short golden-update lint bench bench-compare bench-ab clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/eoskit

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

clean:
	rm -rf bin out
