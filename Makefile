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

# Output line by line (a stalled run still shows the test it stalled in) and a
# 45-minute bound on the whole test run, whose test binary is then killed too
# (the [m] keeps pkill from matching this recipe's own shell).
test: deps
	timeout --kill-after=30 2700 stdbuf -oL swift test; status=$$?; \
	  pkill -KILL -f '$(CURDIR)/.build/.*/[m]trecPackageTests.xctest' || true; scripts/local-slurm.sh stop; exit $$status

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
