# The two commands a new machine needs: `make run` and `make test`.
# Each installs what is missing (Debian's libopenblas-dev) and builds first.

PIPELINE ?= pipelines/quickstart.yaml
MTREC := .build/release/mtrec
# The Swift runtime and Foundation linked in: an all-cached rerun starts about
# 7 ms sooner without resolving their symbols at load (docs/BENCHMARKS.md).
# Every release build uses the same flags, so none rebuilds the others' work.
RELEASE_BUILD := swift build -c release --static-swift-stdlib

.PHONY: run test build deps bench bench-noop clean

run: build
	$(MTREC) run $(PIPELINE)

build: deps
	$(RELEASE_BUILD) --product mtrec

test: deps
	swift test; status=$$?; scripts/local-slurm.sh stop; exit $$status

deps:
	@scripts/install-deps.sh

# Every performance figure in one run (see docs/BENCHMARKS.md).
bench: build
	$(RELEASE_BUILD) --product mtrec-bench
	.build/release/mtrec-bench --suite

bench-noop: build
	python3 benchmarks/noop-rerun.py --binary $(MTREC)

clean:
	rm -rf .build .mtrec out
