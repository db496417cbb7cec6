package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"httpkafka/internal/config"
	"httpkafka/internal/core"
	"httpkafka/internal/tcauth"
)

func TestAuthenticatorPolicy(t *testing.T) {
	creds := config.Credentials{{SecretID: "AKIDa", SecretKey: "keyA"}}
	tests := []struct {
		name    string
		mode    Mode
		auth    string
		creds   config.Credentials
		wantOn  bool
		wantErr bool
		summary string
	}{
		{name: "deployed without credentials refuses to start", mode: Deployed, wantErr: true},
		{name: "deployed, tc3 without credentials refuses to start", mode: Deployed, auth: config.AuthTC3, wantErr: true},
		{name: "deployed, none", mode: Deployed, auth: config.AuthNone, summary: "DATAHUB_AUTH=none"},
		{name: "deployed, none with credentials", mode: Deployed, auth: config.AuthNone, creds: creds, summary: "ignored"},
		{name: "deployed with credentials", mode: Deployed, creds: creds, wantOn: true, summary: "1 key"},
		{name: "deployed, tc3 with credentials", mode: Deployed, auth: config.AuthTC3, creds: creds, wantOn: true},
		{name: "local without credentials defaults to none", mode: Local, summary: "local mode"},
		{name: "local, tc3 without credentials refuses to start", mode: Local, auth: config.AuthTC3, wantErr: true},
		{name: "local with credentials", mode: Local, creds: creds, wantOn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, summary, err := Authenticator(&config.Config{Auth: tt.auth, Credentials: tt.creds}, tt.mode)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if msg := err.Error(); !strings.Contains(msg, "DATAHUB_CREDENTIALS") || !strings.Contains(msg, "DATAHUB_AUTH") {
					t.Errorf("error %q: want it to name DATAHUB_CREDENTIALS and DATAHUB_AUTH", msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if on := auth != nil; on != tt.wantOn {
				t.Errorf("authenticator %v, want on=%v", auth, tt.wantOn)
			}
			if tt.wantOn {
				if _, ok := auth.(*tcauth.Verifier); !ok {
					t.Errorf("authenticator is %T", auth)
				}
			}
			if !strings.Contains(summary, tt.summary) {
				t.Errorf("summary %q, want it to say %q", summary, tt.summary)
			}
		})
	}
}

// TestNewWiresAuth: the service New builds checks signatures, and the
// keys' access point limits reach it.
func TestNewWiresAuth(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := &config.Config{KafkaBrokers: []string{"127.0.0.1:1"}, AccessPoints: config.AccessPoints{"datahub-a": "a"},
		Credentials: config.Credentials{{SecretID: "AKIDa", SecretKey: "keyA"}}}
	a, err := New(cfg, log, Deployed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Producer.Close(context.Background()) })
	resp := a.Service.Handle(context.Background(), &core.Request{Method: "POST", Host: "h", Path: "/",
		Header: http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}},
		Body:   []byte(`{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`)})
	if !strings.Contains(string(resp.Body), `"Code":"AuthFailure.InvalidAuthorization"`) {
		t.Errorf("unsigned request answered %s, want AuthFailure.InvalidAuthorization", resp.Body)
	}

	cfg.Credentials = nil
	if _, err := New(cfg, log, Deployed); err == nil || !strings.Contains(err.Error(), "DATAHUB_AUTH=none") {
		t.Errorf("New without credentials: %v, want a refusal naming DATAHUB_AUTH=none", err)
	}
}

// TestSummaryNamesRestrictedKeys: a key limited to access points says so
// in the summary (the HTTP server's banner), so that a SecretKey holding
// ':' read as a shorter, limited key does not pass unnoticed (issue 8,
// finding 7).
func TestSummaryNamesRestrictedKeys(t *testing.T) {
	creds := config.Credentials{{SecretID: "AKIDall", SecretKey: "k"}, {SecretID: "AKIDsome", SecretKey: "abc", DataHubIDs: []string{"datahub-a", "datahub-b"}}}
	_, summary, err := Authenticator(&config.Config{Credentials: creds}, Deployed)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "AKIDsome may send only to datahub-a, datahub-b") || strings.Contains(summary, "AKIDall may") || strings.Contains(summary, "abc") {
		t.Errorf("summary %q", summary)
	}
}
