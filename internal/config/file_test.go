package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigFile reads the example and checks how it and the
// environment combine: the environment wins for an id or SecretId in
// both; suspensions add up.
func TestConfigFile(t *testing.T) {
	path := writeFile(t, "datahub.yaml", `
accessPoints:
  datahub-abc: {topic: topicDev}
  datahub-def: {topic: topicProd, suspended: true}
  datahub-ghi: {topic: topicOld}
credentials:                      # better from a secret store
  - {secretId: AKIDprod, secretKey: k3y1}
  - {secretId: AKIDdev, secretKey: k3y2, dataHubIds: [datahub-abc]}
`)
	setenv(t, map[string]string{
		"DATAHUB_CONFIG_FILE":   path,
		"KAFKA_BROKERS":         "b1:9092",
		"DATAHUB_ACCESS_POINTS": "datahub-ghi=topicNew,datahub-env=topicEnv",
		"DATAHUB_SUSPENDED":     "datahub-env",
		"DATAHUB_CREDENTIALS":   "AKIDdev:envkey,AKIDenv:k3y3",
	})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := AccessPoints{"datahub-abc": "topicDev", "datahub-def": "topicProd", "datahub-ghi": "topicNew", "datahub-env": "topicEnv"}
	if fmt.Sprint(c.AccessPoints) != fmt.Sprint(want) {
		t.Errorf("access points %v, want %v", c.AccessPoints, want)
	}
	if !slices.Equal(c.Suspended, []string{"datahub-def", "datahub-env"}) {
		t.Errorf("suspended %v, want both sources' suspensions", c.Suspended)
	}
	got := map[string]string{}
	for _, cred := range c.Credentials {
		got[cred.SecretID] = cred.SecretKey + fmt.Sprint(cred.DataHubIDs)
	}
	if fmt.Sprint(got) != fmt.Sprint(map[string]string{"AKIDprod": "k3y1[]", "AKIDdev": "envkey[]", "AKIDenv": "k3y3[]"}) {
		t.Errorf("credentials %v: want the file's, with the environment's AKIDdev in place of the file's", got)
	}

	// JSON is YAML.
	setenv(t, map[string]string{"KAFKA_BROKERS": "b1:9092", "DATAHUB_CONFIG_FILE": writeFile(t, "d.json",
		`{"accessPoints": {"datahub-j": {"topic": "tj"}}, "credentials": [{"secretId": "AKIDj", "secretKey": "kj", "dataHubIds": ["datahub-j"]}]}`)})
	if c, err = Load(); err != nil || c.AccessPoints["datahub-j"] != "tj" || len(c.Credentials) != 1 || !slices.Equal(c.Credentials[0].DataHubIDs, []string{"datahub-j"}) {
		t.Errorf("JSON file: %+v, %v", c, err)
	}
}

func TestConfigFileErrors(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"unknown top-level key", "accessPoints:\n  datahub-a: {topic: t}\ncredential:\n  - {secretId: a, secretKey: b}\n", `line 3: unknown key "credential"`},
		{"unknown access point key", "accessPoints:\n  datahub-a:\n    topic: t\n    topc: u\n", `line 4: unknown key "topc"`},
		{"unknown credential key", "credentials:\n  - {secretId: a, secretKey: b, datahubIds: [x]}\n", `line 2: unknown key "datahubIds"`},
		{"no topic", "accessPoints:\n  datahub-a: {suspended: true}\n", "access point datahub-a has no topic"},
		{"bad topic", "accessPoints:\n  datahub-a: {topic: 'a b'}\n", `"a b" is not a valid Kafka topic name (for datahub-a)`},
		{"not YAML", "accessPoints: [\n", "line"},
		{"wrong type", "accessPoints:\n  datahub-a: {topic: t, suspended: maybe}\n", "line 2"},
		{"key twice", "credentials:\n  - {secretId: a, secretKey: b}\n  - {secretId: a, secretKey: c}\n", "SecretId a is listed twice"},
		{"no key", "credentials:\n  - {secretId: a}\n", "credential 1 (a): secretKey is empty"},
		{"unknown access point in a key's list", "accessPoints:\n  datahub-a: {topic: t}\ncredentials:\n  - {secretId: a, secretKey: b, dataHubIds: [datahub-b]}\n", "DATAHUB_CREDENTIALS: a: access point 1 of its list is not in DATAHUB_ACCESS_POINTS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "d.yaml", tt.text)
			setenv(t, map[string]string{"KAFKA_BROKERS": "b1:9092", "DATAHUB_ACCESS_POINTS": "datahub-z=z", "DATAHUB_CONFIG_FILE": path})
			_, err := Load()
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secretKey: b") || strings.Contains(err.Error(), "k3y") {
				t.Errorf("error shows a SecretKey: %v", err)
			}
		})
	}
	setenv(t, map[string]string{"DATAHUB_CONFIG_FILE": "/does/not/exist.yaml"})
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "DATAHUB_CONFIG_FILE: open /does/not/exist.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestConfigFileLarge loads 500 access points and 200 keys, far beyond
// what 4 KB of environment holds.
func TestConfigFileLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("accessPoints:\n")
	for i := range 500 {
		fmt.Fprintf(&b, "  datahub-%04d: {topic: topic-%04d, suspended: %v}\n", i, i%50, i%100 == 0)
	}
	b.WriteString("credentials:\n")
	for i := range 200 {
		fmt.Fprintf(&b, "  - {secretId: AKID%040d, secretKey: %s", i, strings.Repeat(fmt.Sprint(i%10), 32))
		if i%2 == 1 {
			fmt.Fprintf(&b, ", dataHubIds: [datahub-%04d, datahub-%04d]", i, i+1)
		}
		b.WriteString("}\n")
	}
	path := writeFile(t, "large.yaml", b.String())
	setenv(t, map[string]string{"KAFKA_BROKERS": "b1:9092", "DATAHUB_CONFIG_FILE": path})
	start := time.Now()
	c, err := Load()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d-byte file: %d access points (%d suspended), %d keys loaded in %s", b.Len(), len(c.AccessPoints), len(c.Suspended), len(c.Credentials), elapsed)
	if len(c.AccessPoints) != 500 || len(c.Suspended) != 5 || len(c.Credentials) != 200 {
		t.Fatalf("%d access points, %d suspended, %d keys; want 500, 5, 200", len(c.AccessPoints), len(c.Suspended), len(c.Credentials))
	}
	if c.AccessPoints["datahub-0499"] != "topic-0049" || c.Credentials[199].SecretID != fmt.Sprintf("AKID%040d", 199) ||
		!slices.Equal(c.Credentials[199].DataHubIDs, []string{"datahub-0199", "datahub-0200"}) {
		t.Errorf("entries read wrong: %v %v", c.AccessPoints["datahub-0499"], c.Credentials[199])
	}
}
