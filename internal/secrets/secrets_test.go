package secrets_test

import (
	"context"
	"strings"
	"testing"

	"httpkafka/internal/secrets"
	"httpkafka/internal/secrets/extensiontest"
)

func TestGet(t *testing.T) {
	srv := extensiontest.New(t, "session-token",
		map[string]string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf": "pa55:w0rd", "datahub/keys": "AKIDa:k1"},
		map[string]string{"/httpkafka/password": "from ssm"})
	ext := secrets.Extension{Endpoint: srv.URL, Token: "session-token"}
	ctx := context.Background()
	for name, want := range map[string]string{
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf": "pa55:w0rd",
		"datahub/keys":            "AKIDa:k1",
		"ssm:/httpkafka/password": "from ssm",
	} {
		got, err := ext.Get(ctx, name)
		if err != nil || got != want {
			t.Errorf("Get(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	reqs := strings.Join(srv.Requests(), "\n")
	for _, want := range []string{
		"/secretsmanager/get?secretId=datahub%2Fkeys",
		"/systemsmanager/parameters/get?name=%2Fhttpkafka%2Fpassword&withDecryption=true",
	} {
		if !strings.Contains(reqs, want) {
			t.Errorf("requests %s\nwant %s", reqs, want)
		}
	}

	for _, tt := range []struct {
		ext        secrets.Extension
		name, want string
	}{
		{ext, "missing", "secret missing: the extension answered 400 Bad Request: ResourceNotFoundException"},
		{ext, "ssm:/missing", "secret ssm:/missing: the extension answered 400 Bad Request: ParameterNotFound"},
		{secrets.Extension{Endpoint: srv.URL, Token: "wrong"}, "datahub/keys", "secret datahub/keys: the extension answered 401 Unauthorized"},
		{secrets.Extension{Endpoint: "http://127.0.0.1:1"}, "datahub/keys", "secret datahub/keys: the Parameters and Secrets extension is not reachable"},
	} {
		_, err := tt.ext.Get(ctx, tt.name)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Get(%s): %v, want one line starting %q", tt.name, err, tt.want)
		}
	}
}
