# Two commands do everything (see README.md):
#   make demo   build wurepair (Linux + Windows) and run it against a simulated machine
#   make test   every test: Go (race), fuzz smoke, PowerShell grammar/lint, Wine smoke
SHELL := /bin/bash
GO ?= go
BIN := bin
FUZZTIME ?= 10s
BENCHTIME ?= 2s

.PHONY: build demo test test-go fuzz psgrammar wine bench lint

build:
	mkdir -p $(BIN)
	$(GO) build -o $(BIN)/wurepair ./cmd/wurepair
	$(GO) build -o $(BIN)/fakehost ./tests/fakehost/cmd/fakehost
	GOOS=windows GOARCH=amd64 $(GO) build -o $(BIN)/wurepair.exe ./cmd/wurepair

demo: build
	bash tests/demo.sh

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...

test-go:
	$(GO) test -race -count=1 ./...

fuzz:
	bash tests/fuzz.sh $(FUZZTIME)

psgrammar:
	cd tests/psgrammar && npm ci --no-audit --no-fund && npm test

wine:
	bash tests/wine/smoke.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count=1 ./ps

test: lint test-go fuzz psgrammar wine
	@echo "make test: all suites passed"

# Release (tests/release, docs/release-and-packaging.md): windows amd64/386/arm64
# exes in bin/release with SHA256SUMS and SPDX SBOMs; Authenticode-signed when
# SIGN_CERT+SIGN_KEY (or SIGN_PKCS12) are set. release-check builds twice,
# compares, signs with a throwaway certificate and verifies (needs osslsigncode).
.PHONY: release release-check
release:
	bash tests/release/release.sh

release-check:
	bash tests/release/check.sh
