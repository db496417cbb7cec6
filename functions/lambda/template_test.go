package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/gatewaytest"
)

const (
	templatePath = "../../template.yaml"
	makefilePath = "../../Makefile"
)

// sampleParams are values for the parameters a deployer must supply
// (sam deploy --guided asks for them).
var sampleParams = map[string]string{
	"KafkaBrokers":       "b-1.kafka.example:9092,b-2.kafka.example:9092",
	"AccessPoints":       "datahub-demo=demo",
	"DatahubCredentials": "AKIDexampleexampleexample:exampleSecretKeyexampleSecretKey",
}

// TestTemplate keeps template.yaml in step with the code: the one
// function's runtime, handler and build, every variable config.Config
// reads, the gateway events and the outputs.
func TestTemplate(t *testing.T) {
	tpl := gatewaytest.ReadYAML(t, templatePath)
	if tpl["Transform"] != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform = %v", tpl["Transform"])
	}
	params := gatewaytest.Map(t, tpl, "Parameters")
	resources := gatewaytest.Map(t, tpl, "Resources")

	var fnID string
	for id, r := range resources {
		if r.(map[string]any)["Type"] == "AWS::Serverless::Function" {
			if fnID != "" {
				t.Fatalf("two functions: %s and %s", fnID, id)
			}
			fnID = id
		}
	}
	if fnID == "" {
		t.Fatal("no AWS::Serverless::Function")
	}
	fn := gatewaytest.Map(t, resources, fnID)
	props := gatewaytest.Map(t, fn, "Properties")

	// Runtime, handler and build.
	if props["Runtime"] != "provided.al2023" || props["Handler"] != "bootstrap" || props["CodeUri"] != "." {
		t.Errorf("Runtime %v Handler %v CodeUri %v, want provided.al2023, bootstrap (the binary name), .", props["Runtime"], props["Handler"], props["CodeUri"])
	}
	if bm := gatewaytest.Map(t, fn, "Metadata")["BuildMethod"]; bm != "makefile" {
		t.Errorf("BuildMethod = %v, want makefile", bm)
	}
	recipe := gatewaytest.MakeTarget(t, makefilePath, "build-"+fnID)
	for _, want := range []string{"-o $(ARTIFACTS_DIR)/bootstrap ./functions/lambda", "-tags lambda.norpc", "CGO_ENABLED=0", "-trimpath", "GOARCH=$(LAMBDA_GOARCH)"} {
		if !strings.Contains(recipe, want) && !strings.Contains(gatewaytest.MakeVar(t, makefilePath, "GOBUILD"), want) {
			t.Errorf("Makefile target build-%s does not have %q:\n%s", fnID, want, recipe)
		}
	}
	lambdaRecipe := gatewaytest.MakeTarget(t, makefilePath, "dist/lambda.zip")
	if !strings.Contains(lambdaRecipe, "-tags lambda.norpc -o dist/lambda/bootstrap ./functions/lambda") || !strings.Contains(lambdaRecipe, "zip -X -q ../lambda.zip bootstrap") {
		t.Errorf("Makefile dist/lambda.zip does not build bootstrap at the zip root:\n%s", lambdaRecipe)
	}

	// Architecture: a parameter, arm64 by default, matching the Makefile.
	arch, ok := props["Architectures"].([]any)
	if !ok || len(arch) != 1 {
		t.Fatalf("Architectures = %v", props["Architectures"])
	}
	archParam := gatewaytest.Map(t, params, fmt.Sprint(arch[0]))
	if archParam["Default"] != "arm64" || !slices.Equal(toStrings(archParam["AllowedValues"]), []string{"arm64", "x86_64"}) {
		t.Errorf("architecture parameter %v, want default arm64, allowed arm64 and x86_64", archParam)
	}
	if goarch := gatewaytest.MakeVar(t, makefilePath, "LAMBDA_GOARCH"); goarch != "arm64" {
		t.Errorf("Makefile LAMBDA_GOARCH = %q, want arm64 to match the template's default", goarch)
	}

	// Every config variable, from a parameter; secrets NoEcho.
	vars := gatewaytest.Map(t, props, "Environment", "Variables")
	env := map[string]string{}
	for _, name := range gatewaytest.ConfigVars() {
		ref, ok := vars[name]
		if !ok {
			t.Errorf("template.yaml does not set %s", name)
			continue
		}
		p, ok := params[fmt.Sprint(ref)].(map[string]any)
		if !ok {
			t.Errorf("%s: !Ref %v is not a parameter", name, ref)
			continue
		}
		v, hasDefault := p["Default"]
		if sample, ok := sampleParams[fmt.Sprint(ref)]; ok {
			env[name] = sample
		} else if !hasDefault {
			t.Errorf("parameter %v (%s) has no default and no sample value in this test", ref, name)
		} else {
			env[name] = fmt.Sprint(v)
		}
		secret := name == "KAFKA_SASL_PASSWORD" || name == "DATAHUB_CREDENTIALS"
		if secret != (p["NoEcho"] == true) {
			t.Errorf("parameter %v: NoEcho %v, want %v", ref, p["NoEcho"], secret)
		}
	}
	for name := range vars {
		if !slices.Contains(gatewaytest.ConfigVars(), name) {
			t.Errorf("template.yaml sets %s, which config.Config does not read", name)
		}
	}

	// The function outlives the request timeout.
	fnTimeout := paramInt(t, params, props["Timeout"])
	reqTimeout, err := time.ParseDuration(env["DATAHUB_REQUEST_TIMEOUT"])
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(fnTimeout)*time.Second <= reqTimeout {
		t.Errorf("function Timeout %ds does not exceed DATAHUB_REQUEST_TIMEOUT %s", fnTimeout, reqTimeout)
	}

	// Events: a REST API and an HTTP API route on the same path, POST
	// and OPTIONS (browsers' CORS preflights).
	events := gatewaytest.Map(t, props, "Events")
	routes := map[string]string{}
	for id := range events {
		ev := gatewaytest.Map(t, events, id)
		p := gatewaytest.Map(t, ev, "Properties")
		method := strings.ToUpper(fmt.Sprint(p["Method"]))
		if method != "POST" && method != "OPTIONS" || p["Path"] != "/sendmessage" {
			t.Errorf("event %s: %v %v, want POST or OPTIONS /sendmessage", id, p["Method"], p["Path"])
		}
		routes[fmt.Sprint(ev["Type"])+" "+method] = id
	}
	if routes["Api POST"] == "" || routes["HttpApi POST"] == "" || routes["Api OPTIONS"] == "" || routes["HttpApi OPTIONS"] == "" || len(events) != 4 {
		t.Errorf("events %v, want POST and OPTIONS on one Api and one HttpApi", routes)
	}

	// The optional function URL and the outputs.
	url := gatewaytest.Map(t, resources, "SendMessageFunctionUrl")
	conds := gatewaytest.Map(t, tpl, "Conditions")
	if _, ok := conds[fmt.Sprint(url["Condition"])]; !ok || url["Type"] != "AWS::Lambda::Url" {
		t.Errorf("function URL %v, want an AWS::Lambda::Url under a condition", url)
	}
	if got := gatewaytest.Map(t, url, "Properties")["TargetFunctionArn"]; got != fnID+".Arn" {
		t.Errorf("function URL targets %v", got)
	}
	outputs := gatewaytest.Map(t, tpl, "Outputs")
	for id, want := range map[string]string{"RestApiEndpoint": "/Prod/sendmessage", "HttpApiEndpoint": "/sendmessage", "FunctionUrlEndpoint": "SendMessageFunctionUrl.FunctionUrl"} {
		o := gatewaytest.Map(t, outputs, id)
		if !strings.HasSuffix(fmt.Sprint(o["Value"]), want) {
			t.Errorf("output %s = %v, want it to end in %s", id, o["Value"], want)
		}
	}

	// With the parameters' defaults the function starts.
	gatewaytest.CheckStarts(t, env)
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = fmt.Sprint(x)
	}
	return out
}

// paramInt reads a number given directly or as !Ref to a parameter.
func paramInt(t *testing.T, params map[string]any, v any) int {
	t.Helper()
	if p, ok := params[fmt.Sprint(v)].(map[string]any); ok {
		v = p["Default"]
	}
	n, err := strconv.Atoi(fmt.Sprint(v))
	if err != nil {
		t.Fatalf("%v is not a number", v)
	}
	return n
}
