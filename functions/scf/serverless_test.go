package main

import (
	"fmt"
	"path"
	"regexp"
	"testing"

	"httpkafka/internal/gatewaytest"
)

const (
	serverlessPath = "../../serverless.yml"
	makefilePath   = "../../Makefile"
)

// TestServerless keeps serverless.yml (the event function behind a
// function URL) in step with the code and within the scf component's
// rules: gatewaytest.CheckSCFServerless, and the handler is the binary the
// Makefile builds, in the folder it uploads.
func TestServerless(t *testing.T) {
	in := gatewaytest.CheckSCFServerless(t, serverlessPath, "event")

	// The handler is the binary `make build` puts in the uploaded folder.
	recipe := gatewaytest.MakeTarget(t, makefilePath, "dist/scf.zip")
	out := regexp.MustCompile(`-o (\S+) \./functions/scf`).FindStringSubmatch(recipe)
	if out == nil {
		t.Fatalf("Makefile dist/scf.zip does not build ./functions/scf:\n%s", recipe)
	}
	src := fmt.Sprint(gatewaytest.Map(t, in, "src")["src"])
	if in["handler"] != path.Base(out[1]) || path.Clean(src) != path.Dir(out[1]) || path.Base(out[1]) != "main" {
		t.Errorf("handler %v src %v, Makefile builds %s; want handler main in src's folder", in["handler"], src, out[1])
	}
	if !regexp.MustCompile(`zip -X -q \.\./scf\.zip main\n`).MatchString(recipe) || gatewaytest.MakeVar(t, makefilePath, "SCF_GOARCH") != "amd64" {
		t.Errorf("Makefile does not zip a linux/amd64 main at the zip root:\n%s", recipe)
	}
}
