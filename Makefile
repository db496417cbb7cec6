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
#   make bench    the benchmarks (not part of make test): httpkafka beside a bare
#                 franz-go producer, the core's decoding, signature checks
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

.PHONY: build test fuzz bench clean build-SendMessageFunction FORCE

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./internal/kafka ./internal/core ./internal/tcauth

clean:
	rm -rf dist

FORCE:
