package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/secrets/extensiontest"
)

// TestBootstrapSecrets runs the function with its SASL password in an SSM
// SecureString and its keys in a Secrets Manager secret, both read through
// a local server speaking the Parameters and Secrets extension's protocol
// (on PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, with the session token), and
// produces to a kfake cluster that requires that password.
func TestBootstrapSecrets(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.NewWith(t, 2, []string{"demo"},
		[]kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "httpkafka", "from-ssm")},
		kgo.SASL(scram.Auth{User: "httpkafka", Pass: "from-ssm"}.AsSha512Mechanism()))
	ext := extensiontest.New(t, "session-token-1",
		map[string]string{"datahub/keys": "AKIDfromsecret:k3y"},
		map[string]string{"/httpkafka/kafka-password": "from-ssm"})
	payload, err := os.ReadFile(filepath.Join("..", "..", "events", "rest-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"KAFKA_BROKERS=" + strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
		"DATAHUB_AUTH=none", // keys are still read; signing has its own tests
		"KAFKA_SASL_MECHANISM=SCRAM-SHA-512", "KAFKA_SASL_USER=httpkafka",
		"KAFKA_SASL_PASSWORD_SECRET=ssm:/httpkafka/kafka-password",
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + ext.Port,
		"AWS_SESSION_TOKEN=session-token-1",
	}

	t.Run("read on the first invocation", func(t *testing.T) {
		api := newRuntimeAPI(t)
		api.proc = gatewaytest.Start(t, bootstrap, append([]string{"AWS_LAMBDA_RUNTIME_API=" + api.addr(), "DATAHUB_CREDENTIALS_SECRET=datahub/keys"}, env...)...)
		body := shapes[0].check(t, api.invoke(t, "5ec2e700-0000-4000-8000-000000000001", payload))
		var e envelope
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Response.Error != nil || len(e.Response.MessageId) != 2 {
			t.Fatalf("envelope %s", body)
		}
		recs := cluster.ReadAll(t, "demo")
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2", len(recs))
		}
		reqs := strings.Join(ext.Requests(), " ")
		t.Logf("extension served: %s", reqs)
		if !strings.Contains(reqs, "/systemsmanager/parameters/get?name=%2Fhttpkafka%2Fkafka-password&withDecryption=true") ||
			!strings.Contains(reqs, "/secretsmanager/get?secretId=datahub%2Fkeys") {
			t.Errorf("extension requests %s", reqs)
		}
	})

	t.Run("a secret that cannot be read", func(t *testing.T) {
		api := newRuntimeAPI(t)
		api.proc = gatewaytest.Start(t, bootstrap, append([]string{"AWS_LAMBDA_RUNTIME_API=" + api.addr(), "DATAHUB_CREDENTIALS_SECRET=datahub/missing"}, env...)...)
		for i, id := range []string{"5ec2e700-0000-4000-8000-000000000002", "5ec2e700-0000-4000-8000-000000000003"} {
			res := api.invoke(t, id, payload)
			if res.Kind != "error" || !strings.Contains(string(res.Body), `"errorMessage":"config: DATAHUB_CREDENTIALS_SECRET: secret datahub/missing: the extension answered 400 Bad Request`) ||
				!strings.Contains(string(res.Body), `"errorType":"ConfigError"`) {
				t.Fatalf("invocation %d: %s %s, want an invocation error naming the secret", i+1, res.Kind, res.Body)
			}
			t.Logf("invocation %d: %s", i+1, res.Body)
		}
		if n := len(cluster.ReadAll(t, "demo")); n != 2 { // only the first subtest's
			t.Errorf("%d records", n)
		}
	})
}
