# The two commands a new user needs: `make demo` and `make test`.
# Everything builds in release mode: the engine's loops are 10-100x slower in debug.
SWIFT ?= swift
CONFIG = -c release
MOLGEN = .build/release/molgen

.PHONY: all bootstrap build test demo bench clean

all: build

bootstrap:
	@tools/bootstrap

build: bootstrap
	$(SWIFT) build $(CONFIG) --product molgen

CHEMNET = models/chemnet/chemnet.h5

# ChemNet's weights (for the FCD tests) come from PyPI, converted once; never committed.
$(CHEMNET):
	tools/fetch-chemnet $@

test: bootstrap $(CHEMNET)
	$(SWIFT) build $(CONFIG) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test $(CONFIG) --skip-build -Xswiftc -enable-testing

demo: build
	$(MOLGEN) demo

bench: build
	$(MOLGEN) bench gemm
	$(MOLGEN) bench gru

clean:
	rm -rf .build
