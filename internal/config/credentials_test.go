package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestCredentials(t *testing.T) {
	tests := []struct {
		value string
		want  []Credential
	}{
		{"AKIDa:keyA", []Credential{{SecretID: "AKIDa", SecretKey: "keyA"}}},
		{" AKIDa:keyA , AKIDb:keyB:datahub-x|datahub-y ,", []Credential{
			{SecretID: "AKIDa", SecretKey: "keyA"},
			{SecretID: "AKIDb", SecretKey: "keyB", DataHubIDs: []string{"datahub-x", "datahub-y"}},
		}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv("DATAHUB_ACCESS_POINTS", "datahub-x=x,datahub-y=y")
			t.Setenv("DATAHUB_CREDENTIALS", tt.value)
			cfg, err := Load()
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !slices.EqualFunc(cfg.Credentials, tt.want, func(a, b Credential) bool {
				return a.SecretID == b.SecretID && a.SecretKey == b.SecretKey && slices.Equal(a.DataHubIDs, b.DataHubIDs) && (a.DataHubIDs == nil) == (b.DataHubIDs == nil)
			}) {
				t.Errorf("got %#v, want %#v", cfg.Credentials, tt.want)
			}
		})
	}
}

// TestCredentialsErrors: a malformed value stops start-up with one line
// that names the variable and never shows a secret key.
func TestCredentialsErrors(t *testing.T) {
	tests := []struct{ env, value string }{
		{"DATAHUB_CREDENTIALS", "AKIDa"},
		{"DATAHUB_CREDENTIALS", "AKIDa:"},
		{"DATAHUB_CREDENTIALS", ":s3cretKey"},
		{"DATAHUB_CREDENTIALS", "AKIDa:s3cretKey:datahub-a:extra"},
		{"DATAHUB_CREDENTIALS", "AKIDa:s3cretKey:datahub a"},
		{"DATAHUB_CREDENTIALS", "AKIDa:s3cretKey:"},
		{"DATAHUB_CREDENTIALS", "AKIDa:s3cretKey,AKIDa:s3cretKey2"},
		{"DATAHUB_CREDENTIALS", "AKID a:s3cretKey"},
		{"DATAHUB_CREDENTIALS", "AKIDa:s3cret\tKey"},
		{"DATAHUB_AUTH", "TC3-HMAC"},
		{"DATAHUB_AUTH", "off"},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			t.Setenv("DATAHUB_ACCESS_POINTS", "")
			t.Setenv("DATAHUB_CREDENTIALS", "")
			t.Setenv(tt.env, tt.value)
			_, err := Load()
			if err == nil {
				t.Fatal("Load accepted it")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.env) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s", msg, tt.env)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("error %q shows the secret key", msg)
			}
		})
	}
}

func TestCredentialsAccessPoints(t *testing.T) {
	t.Setenv("DATAHUB_ACCESS_POINTS", "datahub-a=topicA")
	t.Setenv("DATAHUB_CREDENTIALS", "AKIDa:s3cretKey:datahub-a|datahub-typo")
	_, err := Load()
	// The list may be the end of a SecretKey that holds ':', so the error
	// counts to the access point rather than naming it.
	if err == nil || !strings.Contains(err.Error(), "DATAHUB_CREDENTIALS") || !strings.Contains(err.Error(), "access point 2") ||
		strings.Contains(err.Error(), "datahub-typo") {
		t.Fatalf("Load: %v, want an error naming DATAHUB_CREDENTIALS and access point 2, not its id", err)
	}
	t.Setenv("DATAHUB_CREDENTIALS", "AKIDa:s3cretKey:datahub-a")
	if _, err := Load(); err != nil {
		t.Fatalf("Load: %v", err)
	}
}

func TestCredentialStringHidesKey(t *testing.T) {
	cs := Credentials{{SecretID: "AKIDa", SecretKey: "s3cretKey", DataHubIDs: []string{"datahub-a"}}}
	for _, s := range []string{fmt.Sprint(cs), fmt.Sprintf("%v", Config{Credentials: cs}), fmt.Sprintf("%+v", Config{Credentials: cs})} {
		if strings.Contains(s, "s3cretKey") || !strings.Contains(s, "AKIDa") {
			t.Errorf("%q: want the SecretId and not the key", s)
		}
	}
}

// TestCredentialsErrorsHideKeyWithColon: a SecretKey holding ':' reads as
// a shorter key and an access point list. Whatever the rest of the entry
// looks like, the error names the entry and its SecretId and repeats no
// other part of it.
func TestCredentialsErrorsHideKeyWithColon(t *testing.T) {
	tests := []struct {
		name, accessPoints, value string
		fragments                 []string // parts of the key that must not show
		want                      []string
	}{
		{"not an access point id", "", "AKIDok:k3y,AKIDxxx:s3cretA:c!d", []string{"s3cretA", "c!d"},
			[]string{"entry 2 (AKIDxxx)", "a SecretKey may not contain ':'"}},
		{"id-like, not configured", "datahub-a=topicA", "AKIDok:k3y,AKIDxxx:s3cretA:c-d", []string{"s3cretA", "c-d"},
			[]string{"AKIDxxx", "a SecretKey may not contain ':'"}},
		{"one bad among several", "", "AKIDxxx:s3cretA:datahub-a|c d", []string{"s3cretA", "c d"},
			[]string{"entry 1 (AKIDxxx)", "a SecretKey may not contain ':'"}},
		// With ',' in a key its tail is an entry of its own, whose first
		// field is no SecretId.
		{"key with a comma", "", "AKIDxxx:s3cretA,B!:x", []string{"s3cretA", "B!", ":x"},
			[]string{"entry 2", "may not contain ','"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DATAHUB_ACCESS_POINTS", tt.accessPoints)
			t.Setenv("DATAHUB_CREDENTIALS", tt.value)
			_, err := Load()
			if err == nil {
				t.Fatal("Load accepted it")
			}
			msg := err.Error()
			for _, f := range tt.fragments {
				if strings.Contains(msg, f) {
					t.Errorf("error %q shows %q, part of the entry", msg, f)
				}
			}
			for _, want := range append(tt.want, "DATAHUB_CREDENTIALS") {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
		})
	}
}

// Finding 7 of issue 8: a DATAHUB_CREDENTIALS that is set but names no key
// (' , ') turned authentication off in local mode; it is an error
// wherever it is read.
func TestCredentialsSetButEmpty(t *testing.T) {
	for _, value := range []string{" , ", ",", " ,, ", "\t"} {
		t.Run(value, func(t *testing.T) {
			t.Setenv("KAFKA_BROKERS", "")
			t.Setenv("DATAHUB_ACCESS_POINTS", "")
			t.Setenv("DATAHUB_CREDENTIALS", value)
			cfg, err := Load()
			if err == nil {
				t.Fatalf("Load accepted DATAHUB_CREDENTIALS=%q with %d keys", value, len(cfg.Credentials))
			}
			if msg := err.Error(); !strings.Contains(msg, "DATAHUB_CREDENTIALS") || !strings.Contains(msg, "no key") {
				t.Errorf("error %q: want it to name DATAHUB_CREDENTIALS and say it has no key", msg)
			}
		})
	}
}
