package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/secrets"
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
		secret := name == "KAFKA_SASL_PASSWORD" || name == "DATAHUB_CREDENTIALS" // the *_SECRET ones only name a secret
		if secret != (p["NoEcho"] == true) {
			t.Errorf("parameter %v: NoEcho %v, want %v", ref, p["NoEcho"], secret)
		}
	}
	for name := range vars {
		if !slices.Contains(gatewaytest.AllConfigVars(), name) {
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

// TestTemplateConnectivity checks the optional VPC, MSK IAM and secret
// parts of template.yaml against the code: every mechanism and codec the
// template allows is one config accepts, and each permission or layer is
// added only under the condition of the setting that needs it.
func TestTemplateConnectivity(t *testing.T) {
	tpl := gatewaytest.ReadYAML(t, templatePath)
	params := gatewaytest.Map(t, tpl, "Parameters")
	conds := gatewaytest.Map(t, tpl, "Conditions")
	props := gatewaytest.Map(t, tpl, "Resources", "SendMessageFunction", "Properties")
	vars := gatewaytest.Map(t, props, "Environment", "Variables")

	// Every allowed value starts the function.
	base := map[string]string{"KAFKA_BROKERS": "b-1.example:9098", "DATAHUB_ACCESS_POINTS": "datahub-a=t", "DATAHUB_AUTH": "none"}
	for _, tt := range []struct{ param, env string }{{"KafkaSaslMechanism", "KAFKA_SASL_MECHANISM"}, {"KafkaCompression", "KAFKA_COMPRESSION"}} {
		if vars[tt.env] != tt.param {
			t.Errorf("%s = %v, want !Ref %s", tt.env, vars[tt.env], tt.param)
		}
		for _, v := range toStrings(gatewaytest.Map(t, params, tt.param)["AllowedValues"]) {
			t.Run(tt.env+"="+v, func(t *testing.T) {
				env := maps.Clone(base)
				env[tt.env] = v
				switch v {
				case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
					env["KAFKA_SASL_USER"], env["KAFKA_SASL_PASSWORD"] = "u", "p"
				case "AWS_MSK_IAM":
					t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
					t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
				}
				gatewaytest.CheckStarts(t, env)
			})
		}
	}

	// policies are the function's Policies as condition -> policy.
	policies := map[string]any{}
	for _, p := range props["Policies"].([]any) {
		l, ok := p.([]any) // !If [condition, policy, !Ref AWS::NoValue]
		if !ok || len(l) != 3 || l[2] != "AWS::NoValue" {
			t.Errorf("policy %v is not under a condition", p)
			continue
		}
		policies[fmt.Sprint(l[0])] = l[1]
	}
	statements := func(cond string) []map[string]any {
		t.Helper()
		p, ok := policies[cond].(map[string]any)
		if !ok {
			t.Fatalf("no policy under condition %s", cond)
		}
		var out []map[string]any
		for _, s := range p["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
		return out
	}
	condition := func(name string) string { // a condition's definition, tags dropped
		t.Helper()
		c, ok := conds[name]
		if !ok {
			t.Fatalf("no condition %s", name)
		}
		return fmt.Sprint(c)
	}

	// VPC: subnets and security groups, the managed policy only then.
	vpc, ok := props["VpcConfig"].([]any)
	if !ok || len(vpc) != 3 || vpc[0] != "UseVpc" || vpc[2] != "AWS::NoValue" {
		t.Fatalf("VpcConfig %v, want !If [UseVpc, ..., !Ref AWS::NoValue]", props["VpcConfig"])
	}
	if vc := vpc[1].(map[string]any); vc["SubnetIds"] != "VpcSubnetIds" || vc["SecurityGroupIds"] != "VpcSecurityGroupIds" {
		t.Errorf("VpcConfig %v", vc)
	}
	for _, p := range []string{"VpcSubnetIds", "VpcSecurityGroupIds"} {
		if pp := gatewaytest.Map(t, params, p); pp["Type"] != "CommaDelimitedList" || pp["Default"] != "" {
			t.Errorf("parameter %s: %v, want an optional CommaDelimitedList", p, pp)
		}
	}
	if !strings.Contains(condition("UseVpc"), "VpcSubnetIds") || policies["UseVpc"] != "AWSLambdaVPCAccessExecutionRole" {
		t.Errorf("UseVpc %s, policy %v: want AWSLambdaVPCAccessExecutionRole only with subnets", condition("UseVpc"), policies["UseVpc"])
	}

	// MSK IAM: connect to the cluster, describe and write its topics.
	if c := condition("UseMskIam"); c != "[KafkaSaslMechanism AWS_MSK_IAM]" {
		t.Errorf("UseMskIam = %s", c)
	}
	var actions []string
	for _, s := range statements("UseMskIam") {
		for _, a := range toStrings(s["Action"]) {
			actions = append(actions, a)
		}
		if !strings.Contains(fmt.Sprint(s["Resource"]), "MskClusterArn") {
			t.Errorf("MSK statement on %v, want the cluster's resources", s["Resource"])
		}
	}
	for _, want := range []string{"kafka-cluster:Connect", "kafka-cluster:WriteData", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteDataIdempotently"} {
		if !slices.Contains(actions, want) {
			t.Errorf("MSK IAM policy lacks %s (has %v)", want, actions)
		}
	}

	// Secrets: the layer and read permission on that one secret, only
	// when it is set; ssm: names (the code's prefix) get ssm:GetParameter.
	if props["Layers"].([]any)[0] != "UseSecrets" || !strings.Contains(fmt.Sprint(props["Layers"]), "SecretsExtensionLayerArn") {
		t.Errorf("Layers %v, want the extension layer only with a secret", props["Layers"])
	}
	for _, sec := range []struct{ param, env, sm, ssm string }{
		{"KafkaSaslPasswordSecret", "KAFKA_SASL_PASSWORD_SECRET", "SaslPasswordInSecretsManager", "SaslPasswordInSsm"},
		{"DatahubCredentialsSecret", "DATAHUB_CREDENTIALS_SECRET", "CredentialsInSecretsManager", "CredentialsInSsm"},
	} {
		if vars[sec.env] != sec.param {
			t.Errorf("%s = %v, want !Ref %s", sec.env, vars[sec.env], sec.param)
		}
		if !strings.Contains(condition("UseSecrets"), "SaslPasswordSecret") || !strings.Contains(condition("UseSecrets"), "CredentialsSecret") {
			t.Errorf("UseSecrets = %s", condition("UseSecrets"))
		}
		if c := condition(sec.ssm); !strings.Contains(c, sec.param) || !strings.Contains(c, " ssm]") || secrets.SSMPrefix != "ssm:" {
			t.Errorf("%s = %s: want the ssm: prefix the code reads (%s)", sec.ssm, c, secrets.SSMPrefix)
		}
		sm := statements(sec.sm)
		if len(sm) != 1 || sm[0]["Action"] != "secretsmanager:GetSecretValue" || sm[0]["Resource"] != sec.param {
			t.Errorf("%s policy %v, want GetSecretValue on %s only", sec.sm, sm, sec.param)
		}
		ssm := statements(sec.ssm)
		if len(ssm) != 1 || ssm[0]["Action"] != "ssm:GetParameter" || !strings.Contains(fmt.Sprint(ssm[0]["Resource"]), ":parameter${Name}") || !strings.Contains(fmt.Sprint(ssm[0]["Resource"]), sec.param) {
			t.Errorf("%s policy %v, want ssm:GetParameter on that parameter only", sec.ssm, ssm)
		}
		if p := gatewaytest.Map(t, params, sec.param); p["Default"] != "" || p["NoEcho"] == true {
			t.Errorf("parameter %s %v: want optional; it names a secret, it is not one", sec.param, p)
		}
	}
	rules := gatewaytest.Map(t, tpl, "Rules")
	for _, r := range []string{"SecretsNeedTheExtension", "VpcNeedsSecurityGroups", "MskIamNeedsTheCluster"} {
		if _, ok := rules[r]; !ok {
			t.Errorf("no rule %s", r)
		}
	}
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
