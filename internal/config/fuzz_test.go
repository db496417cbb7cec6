package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/fuzzcheck"
)

// FuzzParsers: DATAHUB_CREDENTIALS, DATAHUB_ACCESS_POINTS and the checks
// on them take any value without a panic, at a cost linear in its size,
// and an error never repeats a well-formed entry's SecretKey.
// testdata/fuzz/FuzzParsers holds what fuzzing found: so far only inputs
// where this test's own property was too strict (errors about
// DATAHUB_ACCESS_POINTS quote its value, which may hold the same bytes as
// a key).
//
//	go test -run '^$' -fuzz FuzzParsers ./internal/config
func FuzzParsers(f *testing.F) {
	for _, s := range [][2]string{
		{"AKIDa:keyA", "datahub-a=topicA"},
		{" AKIDa:keyA , AKIDb:keyB:datahub-x|datahub-y ,", "datahub-x=x,datahub-y=y"},
		{" , ", ""}, // finding 7
		{"AKIDa:s3cret:datahub-a", "datahub-a=t"},
		{"AKIDa:s3cret:c-d", "datahub-a=t"},
		{"AKIDxxx:s3cretA,B!:x", ""},
		{"AKIDa:k,AKIDa:k2", "a=b,a=c"},
		{strings.Repeat("AKID:k,", 1000), strings.Repeat("x=y,", 1000)},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, creds, points string) {
		var err error
		credErr := false // an error about DATAHUB_CREDENTIALS, the one that must hide keys
		fuzzcheck.Cost(t, len(creds)+len(points), 32, 64<<10, func() {
			c := Config{MaxMessages: 1, MaxMessageBytes: 1, MaxRequestBytes: 1, RequestTimeout: 10 * time.Second, KafkaDelivery: time.Second, KafkaProduce: time.Second}
			if err = c.Credentials.Decode(creds); err != nil {
				credErr = true
				return
			}
			if err = c.AccessPoints.Decode(points); err != nil {
				return
			}
			for _, e := range c.check(func(string) bool { return false }) {
				if strings.HasPrefix(e.Error(), "DATAHUB_CREDENTIALS") {
					err, credErr = e, true
				}
			}
		})
		if !credErr {
			return
		}
		for entry := range strings.SplitSeq(creds, ",") {
			parts := strings.Split(strings.TrimSpace(entry), ":")
			key := ""
			if len(parts) == 2 {
				key = strings.TrimSpace(parts[1])
			}
			// A key that is also part of its SecretId may show as that.
			if len(key) >= 8 && !strings.Contains(parts[0], key) && strings.Contains(err.Error(), key) {
				t.Fatalf("error %q shows the SecretKey %q", err, key)
			}
		}
	})
}

// FuzzConfigFile: DATAHUB_CONFIG_FILE (YAML) takes any bytes without a
// panic, at a cost linear in their size (yaml.v3 builds a node tree: a
// larger constant), and a file it accepts passes or fails the same checks
// as the environment.
//
//	go test -run '^$' -fuzz FuzzConfigFile ./internal/config
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"accessPoints:\n  datahub-a: {topic: a}\n  datahub-b: {topic: b, suspended: true}\ncredentials:\n  - {secretId: AKIDa, secretKey: k, dataHubIds: [datahub-a]}\n",
		"credentials:\n  - secretId: ' , '\n    secretKey: ''\n", // finding 7's shape in a file
		"credentials:\n  - {secretId: AKIDa, secretKey: 'se:cret', dataHubIds: []}\n",
		"a: &a [1,2,3]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n",
		"{\"accessPoints\":{\"datahub-a\":{\"topic\":\"a\"}}}",
		"accessPoints: 7\n",
		"",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "config.yaml")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		fuzzcheck.Cost(t, len(raw), 512, 256<<10, func() {
			c := Config{ConfigFile: path, MaxMessages: 1, MaxMessageBytes: 1, MaxRequestBytes: 1, RequestTimeout: 10 * time.Second, KafkaDelivery: time.Second, KafkaProduce: time.Second}
			if c.loadFile() == nil {
				_ = c.check(func(string) bool { return false })
			}
		})
	})
}
