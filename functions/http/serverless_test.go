package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"

	"httpkafka/internal/gatewaytest"
)

// webServerless is the web-function variant of serverless.yml.
const webServerless = "../../deploy/tencent/web/serverless.yml"

// TestWebServerless keeps deploy/tencent/web/serverless.yml (this binary
// as an SCF web function behind a function URL) in step with the code and
// the Makefile: gatewaytest.CheckSCFServerless; no handler (SCF runs
// scf_bootstrap); src is the folder `make build` fills with scf_bootstrap
// and this binary, for linux/amd64.
func TestWebServerless(t *testing.T) {
	in := gatewaytest.CheckSCFServerless(t, webServerless, "web")
	if h, ok := in["handler"]; ok {
		t.Errorf("handler %v: a web function has none", h)
	}
	recipe := gatewaytest.MakeTarget(t, "../../Makefile", "dist/scf-web.zip")
	out := regexp.MustCompile(`-o (\S+)/httpkafka \./functions/http`).FindStringSubmatch(recipe)
	if out == nil || !strings.Contains(recipe, "cp deploy/tencent/scf_bootstrap "+out[1]+"/scf_bootstrap") ||
		!strings.Contains(recipe, "zip -X -q ../scf-web.zip scf_bootstrap httpkafka") || !strings.Contains(recipe, "GOARCH=$(SCF_GOARCH)") {
		t.Fatalf("Makefile dist/scf-web.zip does not zip scf_bootstrap and a linux/amd64 ./functions/http as httpkafka:\n%s", recipe)
	}
	// src is relative to the serverless.yml's folder.
	src := path.Join(path.Dir(strings.TrimPrefix(webServerless, "../../")), fmt.Sprint(gatewaytest.Map(t, in, "src")["src"]))
	if src != out[1] {
		t.Errorf("src %s (from the repository root), Makefile builds into %s", src, out[1])
	}
}
