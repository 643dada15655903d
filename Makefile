# Two commands do everything (see README.md):
#   make demo   build wurepair (Linux + Windows) and run it against a simulated machine
#   make test   every test: lint, Go (race, real pwsh), fuzz smoke, Pester, PowerShell grammar + 5.1 check, Wine smoke + suite, release check
# Recipes run in tests/tools/shell.sh: bash with Go (from ../shared's module
# copy where it sits beside the clone) and ~/.dotnet/tools (pwsh) on PATH.
SHELL := $(CURDIR)/tests/tools/shell.sh
GO ?= go
BIN := bin
# Empty: the fuzz smoke's count budgets (tests/fuzz.sh). A duration (5m) runs a campaign.
FUZZTIME ?=
BENCHTIME ?= 2s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build demo test engines test-go fuzz psgrammar pester wine bench lint

build:
	mkdir -p $(BIN)
	$(GO) build -o $(BIN)/wurepair ./cmd/wurepair
	$(GO) build -o $(BIN)/fakehost ./tests/fakehost/cmd/fakehost
	GOOS=windows GOARCH=amd64 $(GO) build -o $(BIN)/wurepair.exe ./cmd/wurepair

demo: build
	bash tests/demo.sh

engines:
	bash tests/tools/engines.sh

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	GOOS=windows GOARCH=386 $(GO) build -o /dev/null ./cmd/wurepair
	GOOS=windows GOARCH=arm64 $(GO) build -o /dev/null ./cmd/wurepair
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(STATICCHECK)
	$(BIN)/tools/staticcheck ./...
	GOOS=windows $(BIN)/tools/staticcheck ./...

# -timeout: go test's default (10m per package) is a clock, not a check: the
# real-pwsh packages took over 10 minutes on a 2-core machine under load.
test-go:
	$(GO) test -race -count=1 -timeout 30m ./...

fuzz:
	bash tests/fuzz.sh $(FUZZTIME)

pester:
	bash tests/pester/run.sh

psgrammar:
	cd tests/psgrammar && npm ci --no-audit --no-fund && npm test

# The smoke (wurepair.exe against fakehost.exe), then the Wine suite (the
# real win-x64 pwsh.exe under Wine: tests/wine/README.md).
wine:
	bash tests/wine/smoke.sh
	bash tests/wine/stack.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count=1 ./ps

test: engines lint test-go fuzz pester psgrammar wine release-check
	@bash tests/tools/engines.sh --final
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
