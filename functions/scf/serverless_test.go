package main

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/gatewaytest"
)

const (
	serverlessPath = "../../serverless.yml"
	makefilePath   = "../../Makefile"
)

// The scf component's input rules (serverless-components/tencent-scf
// serverless.component.yml and docs/configure.md); they are checked only
// when deploying, so this test checks them offline.
var (
	scfRuntimes = []string{"Python2.7", "Python3.6", "Python3.7", "Nodejs6.10", "Nodejs8.9", "Nodejs10.15", "Nodejs12.16",
		"Nodejs14.18", "Nodejs16.13", "Php5", "Php7", "Php7.4", "Php8.0", "Go1", "Java8", "Java11", "CustomRuntime"}
	scfName         = regexp.MustCompile(`^[A-Za-z][\w-]{0,58}[A-Za-z0-9]$`)
	apigwProtocols  = []string{"http", "https"}
	apigwStages     = []string{"release", "test", "prepub"}
	envPlaceholder  = regexp.MustCompile(`^\$\{env:([A-Z0-9_]+)\}$`)
	samplePlacehold = map[string]string{
		"KAFKA_BROKERS":         "ckafka-abc.ap-guangzhou.ckafka.tencentcloudmq.com:6000",
		"KAFKA_SASL_MECHANISM":  "PLAIN",
		"KAFKA_SASL_USER":       "ckafka-abc#httpkafka",
		"KAFKA_SASL_PASSWORD":   "secret",
		"DATAHUB_ACCESS_POINTS": "datahub-demo=demo",
		"DATAHUB_CREDENTIALS":   "AKIDexampleexampleexample:exampleSecretKeyexampleSecretKey",
	}
)

// TestServerless keeps serverless.yml in step with the code and within the
// scf component's rules: the handler is the binary the Makefile builds,
// every variable config.Config reads is set, the API Gateway trigger uses
// integrated response.
func TestServerless(t *testing.T) {
	doc := gatewaytest.ReadYAML(t, serverlessPath)
	if doc["component"] != "scf" || doc["name"] == nil {
		t.Errorf("component %v name %v, want scf and an instance name", doc["component"], doc["name"])
	}
	in := gatewaytest.Map(t, doc, "inputs")
	if name := fmt.Sprint(in["name"]); !scfName.MatchString(name) {
		t.Errorf("inputs.name %q does not match %s", name, scfName)
	}
	if rt := fmt.Sprint(in["runtime"]); rt != "Go1" || !slices.Contains(scfRuntimes, rt) {
		t.Errorf("runtime %q, want Go1", rt)
	}
	if in["type"] != "event" {
		t.Errorf("type %v, want event", in["type"])
	}

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
	if !strings.Contains(recipe, "zip -X -q ../scf.zip main") || gatewaytest.MakeVar(t, makefilePath, "SCF_GOARCH") != "amd64" {
		t.Errorf("Makefile does not zip a linux/amd64 main at the zip root:\n%s", recipe)
	}

	mem, _ := strconv.Atoi(fmt.Sprint(in["memorySize"]))
	if mem != 64 && (mem < 128 || mem > 3072 || mem%128 != 0) {
		t.Errorf("memorySize %d, want 64 or 128..3072 in steps of 128", mem)
	}

	// Every config variable; ${env:X} placeholders for what differs per
	// deployment, values for the rest.
	vars := gatewaytest.Map(t, in, "environment", "variables")
	env := map[string]string{}
	for _, name := range gatewaytest.ConfigVars() {
		v, ok := vars[name]
		if !ok {
			t.Errorf("serverless.yml does not set %s", name)
			continue
		}
		s := fmt.Sprint(v)
		if m := envPlaceholder.FindStringSubmatch(s); m != nil {
			sample, ok := samplePlacehold[m[1]]
			if !ok {
				t.Errorf("%s: %s has no sample value in this test", name, s)
			}
			s = sample
		} else if strings.Contains(s, "${") {
			t.Errorf("%s: %s is not a plain ${env:NAME}", name, s)
		}
		env[name] = s
	}
	for name := range vars {
		if !slices.Contains(gatewaytest.ConfigVars(), name) {
			t.Errorf("serverless.yml sets %s, which config.Config does not read", name)
		}
	}
	timeout, _ := strconv.Atoi(fmt.Sprint(in["timeout"]))
	reqTimeout, err := time.ParseDuration(env["DATAHUB_REQUEST_TIMEOUT"])
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(timeout)*time.Second <= reqTimeout {
		t.Errorf("timeout %ds does not exceed DATAHUB_REQUEST_TIMEOUT %s", timeout, reqTimeout)
	}

	// One API Gateway trigger: POST /sendmessage, integrated response.
	events, _ := in["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("%d events, want one apigw", len(events))
	}
	params := gatewaytest.Map(t, events[0].(map[string]any), "apigw", "parameters")
	protocols, _ := params["protocols"].([]any)
	if len(protocols) == 0 {
		t.Error("no protocols")
	}
	for _, p := range protocols {
		if !slices.Contains(apigwProtocols, fmt.Sprint(p)) {
			t.Errorf("protocol %v, want http or https", p)
		}
	}
	if stage := fmt.Sprint(params["environment"]); !slices.Contains(apigwStages, stage) {
		t.Errorf("apigw environment %q, want one of %v", stage, apigwStages)
	}
	endpoints, _ := params["endpoints"].([]any)
	if len(endpoints) != 1 {
		t.Fatalf("%d endpoints, want 1", len(endpoints))
	}
	ep := endpoints[0].(map[string]any)
	if ep["path"] != "/sendmessage" || ep["method"] != "POST" || gatewaytest.Map(t, ep, "function")["isIntegratedResponse"] != true {
		t.Errorf("endpoint %v, want POST /sendmessage with function.isIntegratedResponse true", ep)
	}

	// With those values (and samples for the placeholders) the function starts.
	gatewaytest.CheckStarts(t, env)
}
