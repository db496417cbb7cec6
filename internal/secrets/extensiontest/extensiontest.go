// Package extensiontest is a local server that speaks the HTTP protocol of
// the AWS Parameters and Secrets Lambda Extension, for tests: GET
// /secretsmanager/get?secretId= and
// /systemsmanager/parameters/get?name=&withDecryption=true, each
// requiring the X-Aws-Parameters-Secrets-Token header, answered with the
// JSON of Secrets Manager's GetSecretValue and SSM's GetParameter. Only
// tests import it.
package extensiontest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Server is the extension. Secrets are Secrets Manager secrets by id (ARN
// or name); Parameters are SSM parameters by name.
type Server struct {
	URL, Port string

	mu         sync.Mutex
	token      string
	secrets    map[string]string
	parameters map[string]string
	requests   []string
}

// New starts an extension that accepts token, closed when the test ends.
func New(t testing.TB, token string, secrets, parameters map[string]string) *Server {
	t.Helper()
	s := &Server{token: token, secrets: secrets, parameters: parameters}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	_, s.Port, _ = net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return s
}

// Requests are the request URIs served, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	s.mu.Unlock()
	// The extension refuses requests without the session token.
	if r.Method != http.MethodGet || r.Header.Get("X-Aws-Parameters-Secrets-Token") != s.token || r.Header.Get("X-Forwarded-For") != "" {
		http.Error(w, "forbidden", http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case "/secretsmanager/get":
		id := q.Get("secretId")
		v, ok := s.secrets[id]
		if !ok {
			http.Error(w, "ResourceNotFoundException: Secrets Manager can't find the specified secret.", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + id, "Name": id, "SecretString": v, "SecretBinary": nil, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": "2026-01-01T00:00:00Z"})
	case "/systemsmanager/parameters/get":
		name := q.Get("name")
		v, ok := s.parameters[name]
		if !ok || q.Get("withDecryption") != "true" {
			http.Error(w, "ParameterNotFound", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"Parameter": map[string]any{"ARN": "arn:aws:ssm:eu-west-1:123456789012:parameter" + name, "Name": name, "Type": "SecureString", "Value": v, "Version": 1}, "ResultMetadata": map[string]any{}})
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
