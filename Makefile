# httpkafka's function artifacts, built reproducibly: the same sources and
# Go toolchain give byte-identical binaries and zips.
#
#   make build    dist/lambda/bootstrap -> dist/lambda.zip  (AWS Lambda, provided.al2023)
#                 dist/scf/main         -> dist/scf.zip     (Tencent SCF event function, Go1, linux/amd64)
#                 dist/scf-web/{scf_bootstrap,httpkafka} -> dist/scf-web.zip
#                                                          (Tencent SCF web function, linux/amd64)
#   make test     go test -race ./...
#   make fuzz     every fuzz target for FUZZTIME (default 10m) each, one
#                 after the other (.ci/fuzz; CI runs each for 4s)
#   make bench    every benchmark (not part of make test), each beside its bare
#                 baseline, printed as medians and ratios (BENCHMARKS.md):
#     make bench-go    in process: SendMessage vs a bare ProduceSync, decoding, signatures
#     make bench-http  functions/http vs bench/bareserver: requests/s and CPU per request
#     make bench-coldstart  functions/lambda vs bench/barelambda through a Runtime API,
#                           functions/scf vs bench/barescf through SCF's net/rpc
#   make load-idempotency  the full idempotency load test: 50 clients x 2,000
#                 keyed requests against kfake and a local redis-server
#   make clean
#
# `sam build` runs build-SendMessageFunction (template.yaml, BuildMethod:
# makefile) with ARTIFACTS_DIR set, here or in its build container.
# LAMBDA_GOARCH must match the template's Architecture parameter:
#   arm64 (default) or LAMBDA_GOARCH=amd64 for Architecture=x86_64.
# Zipping needs the zip tool (apt-get install zip).

GO ?= go
LAMBDA_GOARCH ?= arm64
SCF_GOARCH := amd64

# -trimpath and an empty build id drop paths and per-build ids;
# -buildvcs=false keeps git state (commit, dirty tree) out of the binary.
GOBUILD = CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -buildvcs=false -ldflags "-s -w -buildid="
# Files go into the zips with this fixed time and mode; zip -X leaves out
# uid/gid and extra timestamps.
ZIP_TIME := 198001010000

# benchstat, fetched by the go command at a fixed version.
BENCHSTAT = $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 6
BENCH_ROUNDS ?= 5

.PHONY: build test fuzz bench bench-go bench-http bench-coldstart load-idempotency clean build-SendMessageFunction FORCE

build: dist/lambda.zip dist/scf.zip dist/scf-web.zip

dist/lambda.zip: FORCE
	rm -rf dist/lambda $@
	mkdir -p dist/lambda
	GOARCH=$(LAMBDA_GOARCH) $(GOBUILD) -tags lambda.norpc -o dist/lambda/bootstrap ./functions/lambda
	chmod 0755 dist/lambda/bootstrap
	touch -t $(ZIP_TIME) dist/lambda/bootstrap
	cd dist/lambda && zip -X -q ../lambda.zip bootstrap

dist/scf.zip: FORCE
	rm -rf dist/scf $@
	mkdir -p dist/scf
	GOARCH=$(SCF_GOARCH) $(GOBUILD) -o dist/scf/main ./functions/scf
	chmod 0755 dist/scf/main
	touch -t $(ZIP_TIME) dist/scf/main
	cd dist/scf && zip -X -q ../scf.zip main

# The web function: the HTTP binary and the scf_bootstrap that SCF runs to
# start it (executable, LF line endings, absolute paths).
dist/scf-web.zip: FORCE
	rm -rf dist/scf-web $@
	mkdir -p dist/scf-web
	GOARCH=$(SCF_GOARCH) $(GOBUILD) -o dist/scf-web/httpkafka ./functions/http
	cp deploy/tencent/scf_bootstrap dist/scf-web/scf_bootstrap
	chmod 0755 dist/scf-web/httpkafka dist/scf-web/scf_bootstrap
	touch -t $(ZIP_TIME) dist/scf-web/httpkafka dist/scf-web/scf_bootstrap
	cd dist/scf-web && zip -X -q ../scf-web.zip scf_bootstrap httpkafka

# AWS SAM (BuildMethod: makefile): the function's binary in $(ARTIFACTS_DIR).
build-SendMessageFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it; use make build by hand" >&2; exit 1; }
	GOARCH=$(LAMBDA_GOARCH) $(GOBUILD) -tags lambda.norpc -o $(ARTIFACTS_DIR)/bootstrap ./functions/lambda

test:
	$(GO) test -race ./...

FUZZTIME ?= 10m
fuzz:
	FUZZTIME=$(FUZZTIME) .ci/fuzz

bench: bench-go bench-http bench-coldstart

# One go test per count, so that bare and httpkafka alternate; the raw runs
# stay in dist/bench/ for benchstat comparisons between commits. Each run
# lasts 2s, many garbage collections, so that the GC work a request causes
# is in its figure (a few hundred operations fit between two collections).
bench-go:
	mkdir -p dist/bench
	rm -f dist/bench/produce.txt
	for i in $$(seq $(BENCH_COUNT)); do \
		$(GO) test -run '^$$' -bench Produce -benchtime 2s -count 1 ./internal/kafka >> dist/bench/produce.txt || exit 1; \
	done
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./internal/core ./internal/tcauth > dist/bench/core.txt
	@echo; echo "== SendMessage through the core vs a bare ProduceSync (medians; vs base = httpkafka/bare)"
	$(BENCHSTAT) -col /impl dist/bench/produce.txt
	@echo; echo "== the same, as the ratio httpkafka/bare within each run (one kfake cluster each)"
	$(GO) run ./bench/benchratio dist/bench/produce.txt
	@echo; echo "== the core's decode + validate + reply: encoding/json vs the one-pass decoder"
	$(BENCHSTAT) -filter .name:DecodeAndReply -col /decoder dist/bench/core.txt
	@echo; echo "== signature checks"
	$(BENCHSTAT) -filter '-.name:DecodeAndReply' dist/bench/core.txt
	$(GO) test -run '^$$' -bench DecodeShape -benchmem -count $(BENCH_COUNT) ./adapters/aws ./adapters/scf > dist/bench/adapters.txt
	@echo; echo "== each gateway shape's event decode (the adapters' own cost per invocation)"
	$(BENCHSTAT) dist/bench/adapters.txt

bench-http:
	$(GO) run ./bench/httpload -rounds $(BENCH_ROUNDS) -duration 3s -clients 16,64 -loads 10x1024,1x100

bench-coldstart:
	$(GO) run ./bench/coldstart -rounds $$(( $(BENCH_ROUNDS) * 2 ))

load-idempotency:
	$(GO) test -run '^TestLoad$$' -v -timeout 60m ./internal/idempotency -args -idempotency.requests=2000

clean:
	rm -rf dist

FORCE:
