package gatewaytest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

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
