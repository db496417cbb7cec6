package kafka_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"httpkafka/internal/kafka"
	"httpkafka/internal/kafkatest"
)

// pki is a CA made for one test, with a broker certificate for 127.0.0.1
// and kafka.test, and a client certificate for mutual TLS.
type pki struct {
	caPEM                []byte
	pool                 *x509.CertPool
	server, client       tls.Certificate
	clientPEM, clientKey []byte
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "httpkafka test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) (tls.Certificate, []byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			DNSNames: []string{"kafka.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		certPEM := pemBlock("CERTIFICATE", der)
		keyPEM := pemBlock("EC PRIVATE KEY", keyDER)
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return pair, certPEM, keyPEM
	}
	p := &pki{caPEM: pemBlock("CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.server, _, _ = leaf(2, "broker", x509.ExtKeyUsageServerAuth)
	p.client, p.clientPEM, p.clientKey = leaf(3, "httpkafka", x509.ExtKeyUsageClientAuth)
	return p
}

// TestSASL produces through each SASL mechanism kfake has, as a user of
// that mechanism, and reads the records back; a wrong password is
// answered with an envelope that says authentication failed.
func TestSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			user, pass := "user-"+strings.ToLower(mech), "pw-"+mech
			cluster := kafkatest.NewWith(t, 2, []string{"t"},
				[]kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "reader", "reader-pw"), kfake.User(mech, user, pass)},
				kgo.SASL(scram.Auth{User: "reader", Pass: "reader-pw"}.AsSha512Mechanism()))
			cfg := cluster.ProducerConfig()
			cfg.SASLMechanism, cfg.SASLUser, cfg.SASLPassword = mech, user, pass
			svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
			r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"one","Key":"k"},{"Body":"two"}]}`)
			if r.Response.Error != nil {
				t.Fatalf("produce as %s: %+v", mech, r.Response.Error)
			}
			checkRecords(t, cluster, "t", "one", "two")

			bad := cluster.ProducerConfig()
			bad.SASLMechanism, bad.SASLUser, bad.SASLPassword = mech, user, "wrong"
			svc = service(t, cluster, bad, map[string]string{"datahub-a": "t"})
			start := time.Now()
			r = send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"three"}]}`)
			elapsed := time.Since(start)
			e := r.Response.Error
			t.Logf("wrong password answered in %s: %+v", elapsed, e)
			if e == nil || e.Code != "FailedOperation" || !strings.Contains(e.Message, "kafka authentication failed (SASL "+mech+")") ||
				!strings.Contains(e.Message, "0 of 1 messages written, 1 not written") || strings.Contains(e.Message, "timed out") {
				t.Fatalf("wrong password: got %+v, want FailedOperation saying authentication failed", e)
			}
			if elapsed >= 5*time.Second { // the service's request timeout
				t.Errorf("wrong password answered after %s, request timeout 5s", elapsed)
			}
			// A later request is answered as quickly: each waits for a
			// refusal after it began.
			start = time.Now()
			r = send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"four"}]}`)
			if e := r.Response.Error; e == nil || !strings.Contains(e.Message, "kafka authentication failed") || time.Since(start) >= 5*time.Second {
				t.Fatalf("second request with a wrong password after %s: %+v", time.Since(start), e)
			}
			checkRecords(t, cluster, "t", "one", "two")
		})
	}
}

// TestSASLConnectionClosedOnce: one connection closed during
// authentication (a broker restarting) is retried, not answered as
// refused credentials.
func TestSASLConnectionClosedOnce(t *testing.T) {
	cluster := kafkatest.NewWith(t, 1, []string{"t"},
		[]kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "u", "p")},
		kgo.SASL(scram.Auth{User: "u", Pass: "p"}.AsSha256Mechanism()))
	closed := 0
	cluster.ControlKey(int16(kmsg.SASLAuthenticate), func(kmsg.Request) (kmsg.Response, error, bool) {
		closed++
		return nil, fmt.Errorf("restarting"), true // closes this one connection
	})
	cfg := cluster.ProducerConfig()
	cfg.SASLMechanism, cfg.SASLUser, cfg.SASLPassword = "SCRAM-SHA-256", "u", "p"
	svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
	if r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"after a blip"}]}`); r.Response.Error != nil {
		t.Fatalf("got %+v, want the write to succeed on a new connection", r.Response.Error)
	}
	if closed != 1 {
		t.Fatalf("the control closed %d connections, want 1", closed)
	}
	checkRecords(t, cluster, "t", "after a blip")
}

// TestTLS produces over TLS to a broker whose certificate a CA made here
// signed: trusted through the CA alone, with the broker checking a client
// certificate (mutual TLS), and with SCRAM over TLS.
func TestTLS(t *testing.T) {
	p := newPKI(t)
	clientTLS := func(mutual bool) *tls.Config {
		c := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: p.pool}
		if mutual {
			c.Certificates = []tls.Certificate{p.client}
		}
		return c
	}
	for _, tt := range []struct {
		name   string
		mutual bool
		scram  bool
		server string // ServerName override
	}{
		{name: "custom CA"},
		{name: "custom CA, server name override", server: "kafka.test"},
		{name: "mutual TLS", mutual: true},
		{name: "SCRAM-SHA-512 over TLS", scram: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			serverTLS := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
			if tt.mutual {
				serverTLS.ClientAuth, serverTLS.ClientCAs = tls.RequireAndVerifyClientCert, p.pool
			}
			opts := []kfake.Opt{kfake.TLS(serverTLS)}
			readerOpts := []kgo.Opt{kgo.DialTLSConfig(clientTLS(tt.mutual))}
			if tt.scram {
				opts = append(opts, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "scram-user", "scram-pw"))
				readerOpts = append(readerOpts, kgo.SASL(scram.Auth{User: "scram-user", Pass: "scram-pw"}.AsSha512Mechanism()))
			}
			cluster := kafkatest.NewWith(t, 2, []string{"t"}, opts, readerOpts...)
			cfg := cluster.ProducerConfig()
			cfg.TLS = clientTLS(tt.mutual)
			cfg.TLS.ServerName = tt.server
			if tt.scram {
				cfg.SASLMechanism, cfg.SASLUser, cfg.SASLPassword = "SCRAM-SHA-512", "scram-user", "scram-pw"
			}
			svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
			r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"over tls","Key":"k1"},{"Body":"again"}]}`)
			if r.Response.Error != nil {
				t.Fatalf("produce: %+v", r.Response.Error)
			}
			t.Logf("%s: MessageId %v", tt.name, r.Response.MessageId)
			checkRecords(t, cluster, "t", "over tls", "again")

			if tt.mutual { // without the client certificate the broker refuses
				cfg.TLS = clientTLS(false)
				svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
				r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`)
				t.Logf("without a client certificate: %+v", r.Response.Error)
				if e := r.Response.Error; e == nil || !strings.Contains(e.Message, "kafka TLS failed") {
					t.Errorf("got %+v, want kafka TLS failed: the broker requires a client certificate", e)
				}
			}
		})
	}
	t.Run("untrusted broker certificate", func(t *testing.T) {
		cluster := kafkatest.NewWith(t, 1, []string{"t"}, []kfake.Opt{kfake.TLS(&tls.Config{Certificates: []tls.Certificate{p.server}})})
		cfg := cluster.ProducerConfig()
		cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12} // system roots: do not know this CA
		svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
		start := time.Now()
		r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`)
		e := r.Response.Error
		t.Logf("untrusted certificate answered in %s: %+v", time.Since(start), e)
		if e == nil || !strings.Contains(e.Message, "kafka TLS failed") || !strings.Contains(e.Message, "certificate signed by unknown authority") ||
			!strings.Contains(e.Message, "0 of 1 messages written, 1 not written") {
			t.Fatalf("got %+v, want kafka TLS failed naming the certificate", e)
		}
		if time.Since(start) >= 5*time.Second {
			t.Errorf("answered after %s, request timeout 5s", time.Since(start))
		}
	})
}

// TestCompression produces with each codec and reads the records back,
// checking the batch's codec as the broker stored it.
func TestCompression(t *testing.T) {
	codes := map[string]uint8{"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
	body := strings.Repeat("compressible ", 200)
	for name, code := range codes {
		t.Run(name, func(t *testing.T) {
			cluster := kafkatest.New(t, 1, "t")
			cfg := cluster.ProducerConfig()
			cfg.Compression = name
			svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
			r := send(t, svc, fmt.Sprintf(`{"DataHubId":"datahub-a","Message":[{"Body":%q},{"Body":%q}]}`, body+"1", body+"2"))
			if r.Response.Error != nil {
				t.Fatalf("produce: %+v", r.Response.Error)
			}
			recs := checkRecords(t, cluster, "t", body+"1", body+"2")
			for _, rec := range recs {
				if got := rec.Attrs.CompressionType(); got != code {
					t.Errorf("record stored with codec %d, want %d (%s)", got, code, name)
				}
			}
		})
	}
	if _, err := kafka.New(kafka.Config{Brokers: []string{"127.0.0.1:1"}, Compression: "brotli"}); err == nil || !strings.Contains(err.Error(), `unknown compression "brotli"`) {
		t.Errorf("unknown codec: %v", err)
	}
}

// TestMSKIAM checks what can be checked of AWS_MSK_IAM without an MSK
// cluster: the mechanism is the one offered, the authentication message is
// signed with the credentials given, credentials are asked for again for
// each new connection (rotated role credentials), and a broker that does
// not offer the mechanism gives a clear error.
func TestMSKIAM(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1") // 127.0.0.1 names no region

	t.Run("signed with the current credentials", func(t *testing.T) {
		cluster := kafkatest.New(t, 1, "t")
		var mu sync.Mutex
		var mechanisms []string
		var messages []map[string]string
		cluster.ControlKey(int16(kmsg.SASLHandshake), func(req kmsg.Request) (kmsg.Response, error, bool) {
			cluster.KeepControl()
			r := req.(*kmsg.SASLHandshakeRequest)
			mu.Lock()
			mechanisms = append(mechanisms, r.Mechanism)
			mu.Unlock()
			resp := r.ResponseKind().(*kmsg.SASLHandshakeResponse)
			resp.SupportedMechanisms = []string{"AWS_MSK_IAM"}
			return resp, nil, true
		})
		cluster.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
			cluster.KeepControl()
			r := req.(*kmsg.SASLAuthenticateRequest)
			var m map[string]string
			if err := json.Unmarshal(r.SASLAuthBytes, &m); err != nil {
				return nil, err, true
			}
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
			resp := r.ResponseKind().(*kmsg.SASLAuthenticateResponse)
			resp.SASLAuthBytes = []byte(`{"version":"2020_10_22","request-id":"test"}`)
			return resp, nil, true
		})

		var credMu sync.Mutex
		creds := kafka.AWSCredentials{AccessKeyID: "AKIAFIRST", SecretAccessKey: "secret-1", SessionToken: "token-1"}
		calls := 0
		cfg := cluster.ProducerConfig()
		cfg.SASLMechanism = "AWS_MSK_IAM"
		cfg.AWSCredentials = func(context.Context) (kafka.AWSCredentials, error) {
			credMu.Lock()
			defer credMu.Unlock()
			calls++
			return creds, nil
		}
		svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
		if r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"iam-1"}]}`); r.Response.Error != nil {
			t.Fatalf("produce: %+v", r.Response.Error)
		}

		// The role's credentials rotate; the broker drops the connection
		// (as MSK does when a session expires); the new connection signs
		// with the new credentials.
		credMu.Lock()
		creds = kafka.AWSCredentials{AccessKeyID: "AKIASECOND", SecretAccessKey: "secret-2", SessionToken: "token-2"}
		credMu.Unlock()
		cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
			return nil, fmt.Errorf("session expired"), true // closes the connection
		})
		if r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"iam-2"}]}`); r.Response.Error != nil {
			t.Fatalf("produce after rotation: %+v", r.Response.Error)
		}
		checkRecords(t, cluster, "t", "iam-1", "iam-2")

		mu.Lock()
		defer mu.Unlock()
		for _, m := range mechanisms {
			if m != "AWS_MSK_IAM" {
				t.Errorf("handshake asked for %q", m)
			}
		}
		var first, second int
		for _, m := range messages {
			if m["action"] != "kafka-cluster:Connect" || m["version"] != "2020_10_22" || m["x-amz-algorithm"] != "AWS4-HMAC-SHA256" ||
				m["user-agent"] != "httpkafka" || len(m["x-amz-signature"]) != 64 {
				t.Errorf("authentication message %v", m)
			}
			switch {
			case strings.HasPrefix(m["x-amz-credential"], "AKIAFIRST/") && strings.Contains(m["x-amz-credential"], "/eu-west-1/kafka-cluster/aws4_request") && m["x-amz-security-token"] == "token-1":
				first++
			case strings.HasPrefix(m["x-amz-credential"], "AKIASECOND/") && m["x-amz-security-token"] == "token-2":
				second++
			default:
				t.Errorf("authentication message signed with %q, token %q", m["x-amz-credential"], m["x-amz-security-token"])
			}
		}
		t.Logf("%d connections authenticated with the first credentials, %d with the rotated ones; credentials asked for %d times", first, second, calls)
		if first == 0 || second == 0 || calls != len(messages) {
			t.Errorf("first %d, second %d, credential calls %d for %d authentications: want both, one call per connection", first, second, calls, len(messages))
		}
	})

	t.Run("broker without AWS_MSK_IAM", func(t *testing.T) {
		cluster := kafkatest.NewWith(t, 1, []string{"t"}, []kfake.Opt{kfake.EnableSASL()})
		cfg := cluster.ProducerConfig()
		cfg.SASLMechanism = "AWS_MSK_IAM"
		cfg.AWSCredentials = func(context.Context) (kafka.AWSCredentials, error) {
			return kafka.AWSCredentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
		}
		svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
		start := time.Now()
		r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`)
		e := r.Response.Error
		t.Logf("answered in %s: %+v", time.Since(start), e)
		if e == nil || !strings.Contains(e.Message, "kafka authentication failed (SASL AWS_MSK_IAM)") || !strings.Contains(e.Message, "UNSUPPORTED_SASL_MECHANISM") {
			t.Fatalf("got %+v, want authentication failed naming the unsupported mechanism", e)
		}
	})

	if _, err := kafka.New(kafka.Config{Brokers: []string{"127.0.0.1:1"}, SASLMechanism: "AWS_MSK_IAM"}); err == nil {
		t.Error("AWS_MSK_IAM without credentials: no error")
	}
}

// checkRecords reads topic back and compares the values, in any order.
func checkRecords(t *testing.T, cluster *kafkatest.Cluster, topic string, want ...string) []*kgo.Record {
	t.Helper()
	recs := cluster.ReadAll(t, topic)
	got := map[string]int{}
	for _, r := range recs {
		got[string(r.Value)]++
	}
	for _, w := range want {
		if got[w] != 1 {
			t.Errorf("topic %s holds %d records %.30q, want 1", topic, got[w], w)
		}
	}
	if len(recs) != len(want) {
		t.Errorf("topic %s holds %d records, want %d", topic, len(recs), len(want))
	}
	return recs
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
