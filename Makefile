# The two commands a new machine needs: `make run` and `make test`.
# Each builds what is missing first.

PIPELINE ?= pipelines/diamond.yaml
MTREC := .build/release/mtrec

.PHONY: run test build bench clean

run: build
	$(MTREC) run $(PIPELINE)

build:
	swift build -c release --product mtrec

test:
	swift test

bench: build
	python3 benchmarks/noop-rerun.py --binary $(MTREC)

clean:
	rm -rf .build .mtrec out
