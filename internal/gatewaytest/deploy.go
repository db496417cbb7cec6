package gatewaytest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"httpkafka/internal/app"
	"httpkafka/internal/config"
)

// ConfigVars are the environment variables config.Config declares, read
// from its envconfig tags, in declaration order: those every deployment
// file sets (not tagged deploy:"optional").
func ConfigVars() []string { return configVars(false) }

// AllConfigVars are all the variables config.Config declares, the
// optional ones too.
func AllConfigVars() []string { return configVars(true) }

func configVars(optional bool) []string {
	var vars []string
	t := reflect.TypeFor[config.Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		if name := f.Tag.Get("envconfig"); name != "" && (optional || f.Tag.Get("deploy") != "optional") {
			vars = append(vars, name)
		}
	}
	return vars
}

// ConfigDefaults are the envconfig default tags by variable.
func ConfigDefaults() map[string]string {
	out := map[string]string{}
	t := reflect.TypeFor[config.Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		if d, ok := f.Tag.Lookup("default"); ok {
			out[f.Tag.Get("envconfig")] = d
		}
	}
	return out
}

// ReadYAML decodes a deployment file into generic maps. CloudFormation
// short tags (!Ref, !Sub, !GetAtt, !Equals) lose their tag and keep their
// value: !Ref X reads as "X".
func ReadYAML(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// Map walks m along keys; it fails the test when a step is not a map.
func Map(t testing.TB, m map[string]any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("%s: not a mapping (got %T)", strings.Join(keys, "."), m[k])
		}
		m = next
	}
	return m
}

// CheckStarts sets exactly env (a variable not in it is unset; the test
// must not be parallel) and checks that the function would start with it:
// config.Load and app.New in Deployed mode both succeed.
func CheckStarts(t *testing.T, env map[string]string) {
	t.Helper()
	for _, v := range AllConfigVars() {
		val, ok := env[v]
		t.Setenv(v, val)
		if !ok {
			os.Unsetenv(v) // not set at all, so that its default applies
		}
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("the deployed environment does not load: %v", err)
	}
	a, err := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Deployed)
	if err != nil {
		t.Fatalf("the deployed environment does not start: %v", err)
	}
	a.Producer.Close(context.Background())
}

// MakeTarget is the recipe of target in the Makefile at path, "" if none.
func MakeTarget(t testing.TB, path, target string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:[^\n]*\n((?:\t[^\n]*\n)*)`).FindSubmatch(raw)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// MakeVar is the value a Makefile assigns to name (=, :=, ?=), "" if none.
func MakeVar(t testing.TB, path, name string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*[:?]?=\s*(.*)$`).FindSubmatch(raw)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}

// The scf component's input rules (serverless-components/tencent-scf
// serverless.component.yml and docs/configure.md); they are checked only
// when deploying, so the tests check them offline.
var (
	scfRuntimes = []string{"Python2.7", "Python3.6", "Python3.7", "Nodejs6.10", "Nodejs8.9", "Nodejs10.15", "Nodejs12.16",
		"Nodejs14.18", "Nodejs16.13", "Php5", "Php7", "Php7.4", "Php8.0", "Go1", "Java8", "Java11", "CustomRuntime"}
	scfName        = regexp.MustCompile(`^[A-Za-z][\w-]{0,58}[A-Za-z0-9]$`)
	envPlaceholder = regexp.MustCompile(`^\$\{env:([A-Z0-9_]+)\}$`)
	// SamplePlaceholders are values for the ${env:...} placeholders of the
	// deploy files, to check that the function starts with them.
	SamplePlaceholders = map[string]string{
		"KAFKA_BROKERS":         "ckafka-abc.ap-guangzhou.ckafka.tencentcloudmq.com:6000",
		"KAFKA_SASL_MECHANISM":  "PLAIN",
		"KAFKA_SASL_USER":       "ckafka-abc#httpkafka",
		"KAFKA_SASL_PASSWORD":   "secret",
		"DATAHUB_ACCESS_POINTS": "datahub-demo=demo",
		"DATAHUB_CREDENTIALS":   "AKIDexampleexampleexample:exampleSecretKeyexampleSecretKey",
	}
)

// CheckSCFServerless checks what every serverless.yml for Tencent's scf
// CLI (component scf) must say, whichever the function type (wantType,
// event or web), and returns its inputs for the type's own checks: the
// component's naming and runtime rules; every variable config.Config
// reads, set, with which the function starts; a timeout above
// DATAHUB_REQUEST_TIMEOUT; the optional VPC of a CKafka VPC access point;
// and one function URL (an http event) that anyone may call (authType
// NONE: httpkafka checks signatures), reachable from the internet, with a
// qualifier. The caller must not be parallel (CheckStarts).
func CheckSCFServerless(t *testing.T, path, wantType string) map[string]any {
	t.Helper()
	doc := ReadYAML(t, path)
	if doc["component"] != "scf" || doc["name"] == nil {
		t.Errorf("component %v name %v, want scf and an instance name", doc["component"], doc["name"])
	}
	in := Map(t, doc, "inputs")
	if name := fmt.Sprint(in["name"]); !scfName.MatchString(name) {
		t.Errorf("inputs.name %q does not match %s", name, scfName)
	}
	if rt := fmt.Sprint(in["runtime"]); rt != "Go1" || !slices.Contains(scfRuntimes, rt) {
		t.Errorf("runtime %q, want Go1", rt)
	}
	if in["type"] != wantType {
		t.Errorf("type %v, want %s", in["type"], wantType)
	}
	mem, _ := strconv.Atoi(fmt.Sprint(in["memorySize"]))
	if mem != 64 && (mem < 128 || mem > 3072 || mem%128 != 0) {
		t.Errorf("memorySize %d, want 64 or 128..3072 in steps of 128", mem)
	}

	// Every config variable; ${env:X} placeholders for what differs per
	// deployment, values for the rest.
	vars := Map(t, in, "environment", "variables")
	env := map[string]string{}
	for _, name := range ConfigVars() {
		v, ok := vars[name]
		if !ok {
			t.Errorf("%s does not set %s", path, name)
			continue
		}
		s := fmt.Sprint(v)
		if m := envPlaceholder.FindStringSubmatch(s); m != nil {
			sample, ok := SamplePlaceholders[m[1]]
			if !ok {
				t.Errorf("%s: %s has no sample value in gatewaytest.SamplePlaceholders", name, s)
			}
			s = sample
		} else if strings.Contains(s, "${") {
			t.Errorf("%s: %s is not a plain ${env:NAME}", name, s)
		}
		env[name] = s
	}
	for name := range vars {
		if !slices.Contains(ConfigVars(), name) {
			t.Errorf("%s sets %s, which config.Config does not read", path, name)
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

	// The VPC of a CKafka VPC access point, from the environment (empty:
	// none), and internet access for a public one.
	vpc := Map(t, in, "vpcConfig")
	if vpc["vpcId"] != "${env:SCF_VPC_ID}" || vpc["subnetId"] != "${env:SCF_SUBNET_ID}" {
		t.Errorf("vpcConfig %v, want vpcId ${env:SCF_VPC_ID} and subnetId ${env:SCF_SUBNET_ID}", vpc)
	}
	if in["publicAccess"] != true {
		t.Errorf("publicAccess %v, want true", in["publicAccess"])
	}

	// One function URL.
	events, _ := in["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("%d events, want one http (function URL)", len(events))
	}
	ev, _ := events[0].(map[string]any)
	if _, apigw := ev["apigw"]; apigw {
		t.Fatal("an apigw event: API Gateway triggers can no longer be created; use http (function URL)")
	}
	params := Map(t, ev, "http", "parameters")
	net := Map(t, params, "netConfig")
	if params["authType"] != "NONE" || params["qualifier"] != "$DEFAULT" || net["enableExtranet"] != true || net["enableIntranet"] != false {
		t.Errorf("http event %v, want authType NONE, qualifier $DEFAULT, netConfig enableExtranet true, enableIntranet false", params)
	}

	// With those values (and samples for the placeholders) the function starts.
	CheckStarts(t, env)
	return in
}
