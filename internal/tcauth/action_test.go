package tcauth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"httpkafka/internal/core"
)

// acceptAll is a core.Producer that writes nothing and places every
// message at offset 0.
type acceptAll struct{}

func (acceptAll) Produce(_ context.Context, _ string, _ []core.Message, out []core.Placement) error {
	for i := range out {
		out[i] = core.Placement{Timestamp: katNow}
	}
	return nil
}

// atKatTime checks signatures as of the known answers' timestamp.
type atKatTime struct{ v *Verifier }

func (a atKatTime) Authenticate(r *core.Request, _ time.Time) (core.Caller, error) {
	return a.v.Authenticate(r, katNow)
}

// code handles r with a service that authenticates with v and returns
// the envelope's error code ("" for success).
func code(t *testing.T, v *Verifier, r *core.Request) string {
	t.Helper()
	svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-abc": {Topic: "t"}},
		Auth: atKatTime{v}, Logger: slog.New(slog.DiscardHandler)}, acceptAll{})
	resp := svc.Handle(context.Background(), r)
	var env struct {
		Response struct {
			Error *struct{ Code, Message string }
		}
	}
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		t.Fatalf("reply %s: %v", resp.Body, err)
	}
	if env.Response.Error != nil {
		t.Logf("%s: %s", env.Response.Error.Code, env.Response.Error.Message)
		return env.Response.Error.Code
	}
	return ""
}

// Finding 4 of issue 8: a legacy signature covers the form's parameters
// but no header, so for a legacy-signed form Action and Version come from
// the parameters only, and X-TC-Action and X-TC-Version are ignored. That
// holds only when the legacy signature is what authenticated the request:
// a TC3-signed form whose body happens to hold a Signature parameter
// names its action in the X-TC-* headers, as every TC3 request does.
func TestActionAndVersionBySignature(t *testing.T) {
	v := verifier(t)
	t.Run("legacy: X-TC-* headers ignored", func(t *testing.T) {
		noAction := legacyForm("hello")
		noAction.Del("Action")
		noAction.Del("Version")
		r := formRequest(signLegacy(noAction))
		r.Header.Set("X-TC-Action", "SendMessage")
		r.Header.Set("X-TC-Version", "2019-08-19")
		if got := code(t, v, r); got != core.CodeMissingParameter {
			t.Errorf("legacy-signed form without Action, with X-TC-Action: %q, want %s", got, core.CodeMissingParameter)
		}
		r = formRequest(signLegacy(legacyForm("hello")))
		r.Header.Set("X-TC-Action", "DescribeInstances")
		r.Header.Set("X-TC-Version", "2017-03-12")
		if got := code(t, v, r); got != "" {
			t.Errorf("legacy-signed form with Action and Version, other X-TC-* headers: %q, want success", got)
		}
	})
	tc3Form := func(form url.Values) *core.Request {
		r := &core.Request{Method: "POST", Host: katHost, Path: "/", Body: []byte(form.Encode()),
			Header: hdr("Content-Type", "application/x-www-form-urlencoded", "X-TC-Timestamp", katTS,
				"X-TC-Action", "SendMessage", "X-TC-Version", "2019-08-19")}
		signTC3(r, katID, katKey, "ckafka", "content-type;host", "/", katHost)
		return r
	}
	t.Run("TC3 with a stray Signature parameter: X-TC-* headers used", func(t *testing.T) {
		form := url.Values{"DataHubId": {"datahub-abc"}, "Message.0.Body": {"hello"}, "Signature": {"not-this-one"}}
		if got := code(t, v, tc3Form(form)); got != "" {
			t.Errorf("TC3-signed form with a Signature parameter and X-TC-Action: %q, want success", got)
		}
		form.Set("Action", "DescribeInstances") // X-TC-Action, when sent, wins
		if got := code(t, v, tc3Form(form)); got != "" {
			t.Errorf("TC3-signed form with a Signature parameter, another Action and X-TC-Action: %q, want success", got)
		}
	})
	t.Run("TC3 without X-TC-Action: the form's", func(t *testing.T) {
		form := url.Values{"DataHubId": {"datahub-abc"}, "Message.0.Body": {"hello"}, "Signature": {"not-this-one"}, "Action": {"Other"}}
		r := tc3Form(form)
		r.Header.Del("X-TC-Action")
		signTC3(r, katID, katKey, "ckafka", "content-type;host", "/", katHost)
		if got := code(t, v, r); got != core.CodeInvalidAction {
			t.Errorf("TC3-signed form with Action=Other and no X-TC-Action: %q, want %s", got, core.CodeInvalidAction)
		}
	})
}
