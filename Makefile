# ec2guard — the targets a developer and CI run.
GO      ?= go
PKGS    ?= ./...
BIN     := bin/ec2guard

.PHONY: all build test vet fmt-check bench demo fuzz-smoke clean

all: build

# CGO_ENABLED=0 makes a static binary: it runs on any Linux (provided.al2023 included) and maps
# neither libc nor the dynamic loader, about 1.5 MiB less peak RSS per cold start
# (scripts/bench.d/handle.sh). A plain `go build` or `go install` is otherwise as lean: the
# function speaks the Lambda Runtime API itself (source/runtime.go), with no RPC mode to drop.
build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -trimpath -o $(BIN) ./cmd/ec2guard

# The test command: unit, conformance, corpus, differential and moto-backed end-to-end tests.
test:
	$(GO) test -count=1 -timeout 60m $(PKGS)

# Every fuzz target (found in the *_test.go files) on one worker: the seed corpus (f.Add and
# testdata/fuzz: alias bombs, recursion, deep nesting) and a little fuzzing, a few seconds each.
# CI runs it after make test. The budget is a count of runs, not a duration: a duration's
# deadline can fail a target with a bare "context deadline exceeded" on a loaded machine
# (golang/go#75804, unfixed in Go 1.26). A longer hunt: make fuzz-smoke FUZZTIME=5m.
FUZZTIME ?= 5000x
fuzz-smoke:
	@set -e; for t in $$(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/:func /:/' | sort); do \
		pkg=$$(dirname $${t%%:*}); name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime=$(FUZZTIME) -parallel=1 $$pkg; \
	done

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# The figures of PRODUCT §8, printed as medians.
bench:
	./scripts/bench.sh

demo: build
	./$(BIN) demo

clean:
	rm -rf bin
