package main

import (
	"encoding/json"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyfunc "github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"httpkafka/internal/gatewaytest"
)

// terraformDir is the Terraform configuration for SCF.
const terraformDir = "../../deploy/tencent"

// tfConfig is the configuration's blocks by kind: variables, resources
// ("type.name"), outputs, and the terraform block.
type tfConfig struct {
	variables map[string]*hclsyntax.Body
	resources map[string]*hclsyntax.Body
	outputs   map[string]*hclsyntax.Body
	terraform *hclsyntax.Body
}

func readTerraform(t *testing.T) *tfConfig {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(terraformDir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s: %v", terraformDir, err)
	}
	c := &tfConfig{variables: map[string]*hclsyntax.Body{}, resources: map[string]*hclsyntax.Body{}, outputs: map[string]*hclsyntax.Body{}}
	p := hclparse.NewParser()
	for _, name := range files {
		f, diags := p.ParseHCLFile(name)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", name, diags)
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			switch {
			case b.Type == "variable" && len(b.Labels) == 1:
				c.variables[b.Labels[0]] = b.Body
			case b.Type == "resource" && len(b.Labels) == 2:
				c.resources[b.Labels[0]+"."+b.Labels[1]] = b.Body
			case b.Type == "output" && len(b.Labels) == 1:
				c.outputs[b.Labels[0]] = b.Body
			case b.Type == "terraform":
				c.terraform = b.Body
			}
		}
	}
	return c
}

// eval evaluates an attribute of body with the variables' defaults,
// changed by set, path.module as the folder's path from the repository
// root, and the functions the attributes checked here call.
func (c *tfConfig) eval(t *testing.T, body *hclsyntax.Body, attr string, set map[string]cty.Value) cty.Value {
	t.Helper()
	a, ok := body.Attributes[attr]
	if !ok {
		t.Fatalf("no attribute %s", attr)
	}
	vars := map[string]cty.Value{}
	for name := range c.variables {
		vars[name] = c.value(t, name)
	}
	for k, v := range set {
		vars[k] = v
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(vars),
			"path": cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal("deploy/tencent")}),
		},
		Functions: map[string]ctyfunc.Function{"jsonencode": stdlib.JSONEncodeFunc, "merge": stdlib.MergeFunc},
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", attr, diags)
	}
	return v
}

// value is a variable's default, null without one.
func (c *tfConfig) value(t *testing.T, name string) cty.Value {
	t.Helper()
	a, ok := c.variables[name].Attributes["default"]
	if !ok {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("variable %s default: %v", name, diags)
	}
	return v
}

func str(v cty.Value) string {
	if v.IsNull() || !v.Type().Equals(cty.String) {
		return "<" + v.GoString() + ">"
	}
	return v.AsString()
}

// TestTerraform keeps deploy/tencent (terraform with provider
// tencentcloudstack/tencentcloud) in step with the code and the Makefile,
// without a terraform binary: the files are parsed with hcl and their
// attributes evaluated. Every config variable is a Terraform variable with
// httpkafka's default, secrets are sensitive, the function is the built
// zip (event: handler main; web: scf_bootstrap), the optional VPC reaches
// the function, and the trigger is a function URL anyone may call.
func TestTerraform(t *testing.T) {
	c := readTerraform(t)

	// The provider.
	if c.terraform == nil {
		t.Fatal("no terraform block")
	}
	var providers *hclsyntax.Body
	for _, b := range c.terraform.Blocks {
		if b.Type == "required_providers" {
			providers = b.Body
		}
	}
	if providers == nil {
		t.Fatal("no required_providers")
	}
	tc := c.eval(t, providers, "tencentcloud", nil)
	if str(tc.GetAttr("source")) != "tencentcloudstack/tencentcloud" || str(tc.GetAttr("version")) != ">= 1.83.16" {
		t.Errorf("provider %v, want tencentcloudstack/tencentcloud >= 1.83.16", tc.GoString())
	}

	fn, ok := c.resources["tencentcloud_scf_function.httpkafka"]
	if !ok {
		t.Fatal("no resource tencentcloud_scf_function.httpkafka")
	}

	// Every config variable but the two that read AWS's Lambda extension,
	// set from the Terraform variable of its name: the environment is
	// evaluated with each such variable set to a value naming it.
	lambdaOnly := []string{"KAFKA_SASL_PASSWORD_SECRET", "DATAHUB_CREDENTIALS_SECRET"}
	var wanted []string
	for _, name := range gatewaytest.AllConfigVars() {
		if !slices.Contains(lambdaOnly, name) {
			wanted = append(wanted, name)
		}
	}
	marked := map[string]cty.Value{}
	for _, name := range wanted {
		if _, ok := c.variables[strings.ToLower(name)]; ok {
			marked[strings.ToLower(name)] = cty.StringVal("set-from-" + strings.ToLower(name))
		}
	}
	setFrom := map[string]string{}
	for k, v := range c.eval(t, fn, "environment", marked).AsValueMap() {
		setFrom[k] = strings.TrimPrefix(str(v), "set-from-")
	}
	// The environment the defaults give (samples for the required ones).
	required := map[string]cty.Value{}
	for _, name := range wanted {
		if c.value(t, strings.ToLower(name)).IsNull() {
			required[strings.ToLower(name)] = cty.StringVal(gatewaytest.SamplePlaceholders[name])
		}
	}
	environment := func(set map[string]cty.Value) map[string]string {
		vars := maps.Clone(required)
		maps.Copy(vars, set)
		env := map[string]string{}
		for k, v := range c.eval(t, fn, "environment", vars).AsValueMap() {
			env[k] = str(v)
		}
		return env
	}
	env := environment(nil)
	defaults := gatewaytest.ConfigDefaults()
	for _, name := range wanted {
		want := strings.ToLower(name)
		b, ok := c.variables[want]
		if !ok {
			t.Errorf("no variable %s for %s", want, name)
			continue
		}
		if setFrom[name] != want {
			t.Errorf("environment %s = %q, want var.%s", name, setFrom[name], want)
		}
		if d, ok := b.Attributes["description"]; !ok || !strings.HasPrefix(str(mustValue(t, d.Expr)), name+": ") {
			t.Errorf("variable %s: its description does not start with %s", want, name)
		}
		secret := name == "KAFKA_SASL_PASSWORD" || name == "DATAHUB_CREDENTIALS" || name == "KAFKA_TLS_KEY"
		if s, ok := b.Attributes["sensitive"]; secret && (!ok || mustValue(t, s.Expr) != cty.True) {
			t.Errorf("variable %s holds a secret but is not sensitive", want)
		}
		// SCF allows 4 KB of environment in all: an optional setting is
		// passed only when set, so it defaults to empty (httpkafka's own
		// default applies, which the description names) and the defaults
		// pass none of them. The others default to httpkafka's default.
		v := c.value(t, want)
		d, hasDefault := defaults[name]
		if _, passed := environment(map[string]cty.Value{want: cty.StringVal("")})[name]; !passed {
			if v.IsNull() || str(v) != "" {
				t.Errorf("variable %s default %s: it is passed only when set, so it must default to \"\"", want, v.GoString())
			}
			if _, ok := env[name]; ok {
				t.Errorf("environment %s: an optional setting left at its default is still passed to SCF", name)
			}
			if desc, ok := b.Attributes["description"]; hasDefault && ok && !strings.Contains(str(mustValue(t, desc.Expr)), "empty: not set ("+d+")") {
				t.Errorf("variable %s: its description does not say that empty means httpkafka's default (\"empty: not set (%s)\")", want, d)
			}
		} else if hasDefault && (v.IsNull() || str(v) != d) {
			t.Errorf("variable %s default %s, want httpkafka's %q", want, v.GoString(), d)
		}
		if v.IsNull() && gatewaytest.SamplePlaceholders[name] == "" {
			t.Errorf("variable %s has no default and no sample value", want)
		}
	}
	for name := range setFrom {
		if !slices.Contains(wanted, name) {
			t.Errorf("environment sets %s, which config.Config does not read (or only on Lambda)", name)
		}
	}
	if _, ok := env["KAFKA_COMPRESSION"]; ok {
		t.Error("an optional setting left empty is still passed to SCF")
	}

	// The function: the event function's zip and handler, or the web
	// function's zip, both as `make build` makes them.
	for _, web := range []bool{false, true} {
		set := map[string]cty.Value{"web_function": cty.BoolVal(web)}
		zip := path.Clean(str(c.eval(t, fn, "zip_file", set)))
		fnType, handler := str(c.eval(t, fn, "func_type", set)), c.eval(t, fn, "handler", set)
		if gatewaytest.MakeTarget(t, makefilePath, zip) == "" {
			t.Errorf("web_function=%v: zip_file %s is no Makefile target", web, zip)
		}
		switch {
		case !web && (zip != "dist/scf.zip" || fnType != "Event" || str(handler) != "main"):
			t.Errorf("event function: zip %s type %s handler %s, want dist/scf.zip Event main", zip, fnType, handler.GoString())
		case web && (zip != "dist/scf-web.zip" || fnType != "HTTP" || !handler.IsNull()):
			t.Errorf("web function: zip %s type %s handler %s, want dist/scf-web.zip HTTP and no handler", zip, fnType, handler.GoString())
		}
	}
	if str(c.eval(t, fn, "runtime", nil)) != "Go1" || c.eval(t, fn, "enable_public_net", nil) != cty.True {
		t.Error("the function is not Go1 with internet access by default")
	}
	// The VPC of a CKafka VPC access point, when given.
	vpc := map[string]cty.Value{"vpc_id": cty.StringVal("vpc-abc"), "subnet_id": cty.StringVal("subnet-def")}
	if str(c.eval(t, fn, "vpc_id", vpc)) != "vpc-abc" || str(c.eval(t, fn, "subnet_id", vpc)) != "subnet-def" ||
		!c.eval(t, fn, "vpc_id", nil).IsNull() || !c.eval(t, fn, "subnet_id", nil).IsNull() {
		t.Error("vpc_id and subnet_id do not pass the variables on (and nothing when empty)")
	}
	timeout, _ := c.eval(t, fn, "timeout", nil).AsBigFloat().Int64()
	if reqTimeout, err := time.ParseDuration(env["DATAHUB_REQUEST_TIMEOUT"]); err != nil || time.Duration(timeout)*time.Second <= reqTimeout {
		t.Errorf("timeout %ds does not exceed DATAHUB_REQUEST_TIMEOUT %s (%v)", timeout, env["DATAHUB_REQUEST_TIMEOUT"], err)
	}

	// The function URL.
	trig, ok := c.resources["tencentcloud_scf_trigger.function_url"]
	if !ok {
		t.Fatal("no resource tencentcloud_scf_trigger.function_url")
	}
	if _, named := trig.Attributes["trigger_name"]; named {
		t.Error("trigger_name is set: the provider refuses it for type http")
	}
	if str(c.eval(t, trig, "type", nil)) != "http" || str(c.eval(t, trig, "qualifier", nil)) != "$DEFAULT" || str(c.eval(t, trig, "enable", nil)) != "OPEN" {
		t.Error("the trigger is not an enabled http trigger on $DEFAULT")
	}
	if tr, _ := hcl.AbsTraversalForExpr(trig.Attributes["function_name"].Expr); len(tr) != 3 || tr.RootName() != "tencentcloud_scf_function" {
		t.Error("the trigger's function_name does not reference the function")
	}
	var desc struct {
		AuthType  string
		NetConfig struct{ EnableIntranet, EnableExtranet bool }
	}
	raw := str(c.eval(t, trig, "trigger_desc", nil))
	if err := json.Unmarshal([]byte(raw), &desc); err != nil || desc.AuthType != "NONE" || !desc.NetConfig.EnableExtranet || desc.NetConfig.EnableIntranet {
		t.Errorf("trigger_desc %s, want AuthType NONE and an extranet URL only", raw)
	}
	out, ok := c.outputs["function_url"]
	if !ok {
		t.Fatal("no output function_url")
	}
	if refs := out.Attributes["value"].Expr.Variables(); len(refs) == 0 || refs[0].RootName() != "tencentcloud_scf_trigger" {
		t.Error("output function_url does not read the trigger")
	}

	// With the defaults (and samples for the required ones) the function starts.
	gatewaytest.CheckStarts(t, env)
}

func mustValue(t *testing.T, e hcl.Expression) cty.Value {
	t.Helper()
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

// TestTerraformFiles: the configuration is only .tf files and the web
// function's scf_bootstrap, so that terraform reads all of it.
func TestTerraformFiles(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(terraformDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".tf") && e.Name() != "scf_bootstrap" {
			t.Errorf("%s in %s: neither Terraform nor scf_bootstrap", e.Name(), terraformDir)
		}
	}
}
