# The two commands a new machine needs: `make run` and `make test`.
# Each installs what is missing (Debian's libopenblas-dev) and builds first.

PIPELINE ?= pipelines/quickstart.yaml
MTREC := .build/release/mtrec

.PHONY: run test build deps bench bench-noop clean

run: build
	$(MTREC) run $(PIPELINE)

build: deps
	swift build -c release --product mtrec

test: deps
	swift test

deps:
	@scripts/install-deps.sh

# Training and prediction throughput and quality (see docs/BENCHMARKS.md).
bench: deps
	swift build -c release --product mtrec-bench
	.build/release/mtrec-bench --model shared_bottom
	.build/release/mtrec-bench --model mmoe

bench-noop: build
	python3 benchmarks/noop-rerun.py --binary $(MTREC)

clean:
	rm -rf .build .mtrec out
