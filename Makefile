# Fechatter build targets. `make build` stamps the version into the binary.

BINARY  ?= bin/fechatter
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: build run test test-go lint jaeger

## build: a static binary with version, commit and build date
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BINARY) ./cmd/fechatter

## run: the server from source (pass flags with ARGS="--listen :9090")
run:
	go run ./cmd/fechatter $(ARGS)

## test: every test: vet, the race detector on the core packages, then all
## packages on both storage engines (a throwaway Postgres is started from the
## machine's initdb/pg_ctl; under CI=true a missing Postgres fails the run)
RACE_PKGS := ./internal/... ./appliance ./client ./embedded/... ./storage/postgres/...

test: lint jaeger
	go test -race -count=1 -timeout 20m $(RACE_PKGS)
	go test -count=1 -timeout 30m ./...
	bash webui/check-dist.sh
	bash test/e2e/run.sh

## test-go: only the Go tests (no Node, no browser)
test-go: lint jaeger
	go test -count=1 -timeout 30m ./...

## jaeger: build the trace collector test/tracing runs (Jaeger, pinned in
## tools/jaeger/go.mod, its own module so the main go.mod stays lean).
## `go tool -n` keeps the linked binary in the Go build cache: about five
## minutes on two cores the first time, a moment after that.
jaeger:
	go -C tools/jaeger tool -n jaeger >/dev/null

## lint: gofmt, a tidy go.mod, go vet and staticcheck (its version pinned
## as a tool in go.mod; checks in staticcheck.conf); any finding fails
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	go mod tidy -diff
	go vet ./...
	go tool staticcheck ./...
