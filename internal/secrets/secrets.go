// Package secrets reads a secret through the AWS Parameters and Secrets
// Lambda Extension: an HTTP GET on the extension's local endpoint
// (http://localhost:2773 by default), authenticated with the function's
// session token, so that no AWS SDK is linked into the binary. Extension
// is the one entry point.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SSMPrefix marks a name as an SSM Parameter Store parameter
// (ssm:/app/password); any other name is a Secrets Manager secret id (an
// ARN or a name).
const SSMPrefix = "ssm:"

// maxResponse bounds what is read from the extension: a Secrets Manager
// secret is at most 64 KiB, an SSM parameter 8 KiB, plus their JSON.
const maxResponse = 256 << 10

// Extension is the extension's endpoint.
type Extension struct {
	// Endpoint is the extension's base URL, http://localhost:2773 on
	// Lambda (the port from PARAMETERS_SECRETS_EXTENSION_HTTP_PORT).
	Endpoint string
	// Token is sent as X-Aws-Parameters-Secrets-Token; on Lambda it is
	// AWS_SESSION_TOKEN.
	Token string
	// Client makes the requests; nil uses one with a 5 s timeout.
	Client *http.Client
}

// Get returns the secret's value: a Secrets Manager secret's SecretString,
// or an SSM parameter's Value, decrypted. Its errors name the secret and
// say what the extension answered, never any part of the value.
func (e Extension) Get(ctx context.Context, name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", errors.New("no secret named")
	}
	q := url.Values{}
	var path string
	ssm := strings.HasPrefix(name, SSMPrefix)
	if ssm {
		path = "/systemsmanager/parameters/get"
		q.Set("name", strings.TrimPrefix(name, SSMPrefix))
		q.Set("withDecryption", "true")
	} else {
		path = "/secretsmanager/get"
		q.Set("secretId", name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(e.Endpoint, "/")+path+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	req.Header.Set("X-Aws-Parameters-Secrets-Token", e.Token)
	client := e.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("secret %s: the Parameters and Secrets extension is not reachable (is its layer added?): %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("secret %s: reading the extension's answer: %w", name, err)
	case len(body) > maxResponse:
		return "", fmt.Errorf("secret %s: the extension's answer is over %d bytes", name, maxResponse)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("secret %s: the extension answered %s: %s", name, resp.Status, clip(body))
	}
	var out struct {
		SecretString *string
		Parameter    *struct{ Value *string }
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("secret %s: the extension's answer is not JSON: %w", name, err)
	}
	switch {
	case ssm && out.Parameter != nil && out.Parameter.Value != nil:
		return *out.Parameter.Value, nil
	case !ssm && out.SecretString != nil:
		return *out.SecretString, nil
	case ssm:
		return "", fmt.Errorf("secret %s: the extension's answer has no Parameter.Value", name)
	}
	return "", fmt.Errorf("secret %s: the extension's answer has no SecretString (binary secrets are not supported)", name)
}

// clip shortens an error body from the extension for a one-line message.
func clip(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
