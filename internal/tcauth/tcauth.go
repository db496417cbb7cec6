// Package tcauth checks TencentCloud API request signatures: TC3-HMAC-SHA256
// (what every official SDK sends by default) and the legacy HmacSHA1 and
// HmacSHA256 signatures (the SDKs' SignMethod option), against SecretId and
// SecretKey pairs from configuration. [Verifier] implements
// core.Authenticator; [New] is the one entry point.
//
// The official SDKs do not sign the same request the same way: the Go SDK
// signs the path "/", the Host header with its port and the service
// "ckafka"; the Node SDK signs the real path, the host without its port and
// the first label of the endpoint's host name as the service. Behind an API
// gateway the path may carry a stage prefix and the Host may be the
// gateway's. The verifier therefore accepts the service ckafka or the
// host's first label and tries a few host and path candidates, most likely
// first. Every candidate still needs the secret key, so the extra tries
// only cost hashes; what they may cost is bounded by the input's size (at
// most 32 signed headers, 16 KiB of their values, a fixed number of
// candidates, each canonical request streamed into its hash).
//
// Not done: replay detection. A TC3 request, like a legacy one, can be sent
// again unchanged within the 5-minute timestamp window; a per-process Nonce
// cache is of little use when a serverless platform runs many short-lived
// instances. Legacy signatures also do not delimit parameters (see
// [reshaped]): within that window a captured request can be re-shaped,
// which only TC3 rules out.
package tcauth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"mime"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"httpkafka/internal/core"
)

// MaxSkew is how far a request's timestamp may be from server time, either
// way, as TencentCloud allows: beyond it the answer is
// AuthFailure.SignatureExpire.
const MaxSkew = 5 * time.Minute

// Algorithm is the TC3 signature algorithm name that opens the
// Authorization header.
const Algorithm = "TC3-HMAC-SHA256"

// Bounds on what a TC3 signature may ask the verifier to hash: the SDKs
// sign two headers (content-type and host), so these leave room for
// clients that sign more while keeping every candidate's canonical request
// small.
const (
	maxSignedHeaders     = 32
	maxSignedHeaderBytes = 16 << 10 // the values of the signed headers other than host, together
)

// unsignedPayload is the X-TC-Content-SHA256 value (ClientProfile.UnsignedPayload
// in the SDKs) that says the body is not part of the signature.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Header keys in canonical form: core.Request.Header has canonical keys
// (every adapter canonicalises them), so a look-up is one map index.
const (
	hdrAuthorization = "Authorization"
	hdrContentType   = "Content-Type"
	hdrHost          = "Host"
	hdrTimestamp     = "X-Tc-Timestamp"
	hdrToken         = "X-Tc-Token"
	hdrContentSHA256 = "X-Tc-Content-Sha256"
	hdrForwardedHost = "X-Forwarded-Host"
)

// signatureFailure is TencentCloud's own message for a signature that does
// not match.
const signatureFailure = "The provided credentials could not be validated. Please check your signature is correct."

// noHost is the SignatureFailure message for a request that reached the
// service without a Host header: every signature covers the host the
// client called, so none can be checked. An SCF function URL event may
// lack one (Tencent's sample event does).
const noHost = "signature not checked: the request reached httpkafka without a Host header, and a signature covers the host the client called (the trigger did not pass it on; an SCF function URL event may lack it, see the README)"

// mismatch is the error for a signature that matched none of the
// candidates built with hosts.
func mismatch(hosts []string) error {
	if hosts[0] == "" {
		return core.Errorf(core.CodeSignatureFailure, noHost)
	}
	return core.Errorf(core.CodeSignatureFailure, signatureFailure)
}

// Credential is one API key: a SecretId, its SecretKey and the access
// points it may send to.
type Credential struct {
	SecretID  string
	SecretKey string
	// DataHubIDs limits the key to these access points; nil allows all.
	DataHubIDs []string
}

// Verifier checks request signatures against a fixed set of keys. It is
// safe for concurrent use.
type Verifier struct {
	keys map[string]*key
	// trustForwardedHost makes X-Forwarded-Host a host candidate.
	trustForwardedHost bool
	// hosts, when not empty, are the only hosts (lower-case, without a
	// port) that requests may be signed for.
	hosts map[string]bool
}

// Option changes how a Verifier binds a signature to the request.
type Option func(*Verifier)

// TrustForwardedHost makes the host in X-Forwarded-Host (its first entry)
// a host the client may have signed, besides the Host header. Set it only
// behind a proxy that writes that header itself: otherwise any client can
// name any host in it. By default only Host and a host that a gateway
// adapter vouches for (core.Request.ForwardedHost) are tried.
func TrustForwardedHost() Option {
	return func(v *Verifier) { v.trustForwardedHost = true }
}

// Hosts limits the hosts that requests may be signed for to these names
// (compared without case and port). A request whose candidate hosts are
// none of them is refused with AuthFailure.SignatureFailure. By default
// any host is accepted: the signature still binds the one the client used.
func Hosts(hosts ...string) Option {
	return func(v *Verifier) {
		for _, h := range hosts {
			if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
				v.hosts[stripPort(h)] = true
			}
		}
	}
}

// key is a credential and the TC3 signing key derived from it last: every
// request of a day to one service signs with the same one, so one slot per
// credential saves three HMACs a request and cannot grow.
type key struct {
	Credential
	derived atomic.Pointer[derivedKey]
}

type derivedKey struct {
	date, service string
	signing       []byte
}

// signingKey returns kSigning for date and service.
func (k *key) signingKey(date, service string) []byte {
	if d := k.derived.Load(); d != nil && d.date == date && d.service == service {
		return d.signing
	}
	d := &derivedKey{date: date, service: service, signing: signingKey(k.SecretKey, date, service)}
	k.derived.Store(d)
	return d.signing
}

// New returns a Verifier for creds, changed by opts. SecretIds must be
// unique and no field empty; the error never contains a SecretKey.
func New(creds []Credential, opts ...Option) (*Verifier, error) {
	if len(creds) == 0 {
		return nil, fmt.Errorf("tcauth: no credentials")
	}
	v := &Verifier{keys: make(map[string]*key, len(creds)), hosts: map[string]bool{}}
	for _, opt := range opts {
		opt(v)
	}
	for i, c := range creds {
		switch {
		case c.SecretID == "":
			return nil, fmt.Errorf("tcauth: credential %d: empty SecretId", i+1)
		case c.SecretKey == "":
			return nil, fmt.Errorf("tcauth: credential %d (%s): empty SecretKey", i+1, c.SecretID)
		}
		if _, dup := v.keys[c.SecretID]; dup {
			return nil, fmt.Errorf("tcauth: SecretId %s is listed twice", c.SecretID)
		}
		c.DataHubIDs = slices.Clone(c.DataHubIDs)
		v.keys[c.SecretID] = &key{Credential: c}
	}
	return v, nil
}

var _ core.Authenticator = (*Verifier)(nil)

// Authenticate implements core.Authenticator. A request with an
// Authorization header is checked as TC3-HMAC-SHA256; one without, as a
// legacy signature in its form body or query (Signature, SecretId, ...).
// Every failure is a *core.Error with an AuthFailure code.
func (v *Verifier) Authenticate(r *core.Request, now time.Time) (core.Caller, error) {
	if auth := header(r.Header, hdrAuthorization); auth != "" {
		return v.tc3(r, auth, now)
	}
	if params, ok := legacyParams(r); ok {
		return v.legacy(r, params, now)
	}
	return core.Caller{}, core.Errorf(core.CodeInvalidAuthorization,
		"the request is not signed: send an Authorization header (%s) or the Signature parameters of HmacSHA1/HmacSHA256 signing", Algorithm)
}

func (v *Verifier) caller(k *key) core.Caller {
	return core.Caller{SecretID: k.SecretID, DataHubIDs: k.DataHubIDs}
}

// lookup finds the key for id.
func (v *Verifier) lookup(id string) (*key, error) {
	k, ok := v.keys[id]
	if !ok {
		return nil, core.Errorf(core.CodeSecretIDNotFound, "SecretId %s does not exist", clip(id))
	}
	return k, nil
}

// checkTime parses a Unix timestamp and checks it against now.
func checkTime(raw, name string, now time.Time) (int64, error) {
	ts, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || ts <= 0 {
		if raw == "" {
			return 0, core.Errorf(core.CodeInvalidAuthorization, "missing %s", name)
		}
		return 0, core.Errorf(core.CodeInvalidAuthorization, "%s %q is not a Unix time in seconds", name, clip(raw))
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return 0, core.Errorf(core.CodeSignatureExpire,
			"signature expired: %s %d is %s away from server time %d; the limit is %s",
			name, ts, d.Abs().Round(time.Second), now.Unix(), MaxSkew)
	}
	return ts, nil
}

func tokenFailure(where string) error {
	return core.Errorf(core.CodeTokenFailure,
		"temporary credentials (%s) are not supported; sign with a SecretId and SecretKey from DATAHUB_CREDENTIALS", where)
}

// ---- TC3-HMAC-SHA256 ----

// tc3Auth is a parsed TC3 Authorization header.
type tc3Auth struct {
	secretID      string
	date, service string // from the credential scope
	scope         string // date/service/tc3_request
	signedHeaders string // as sent: lower-case names joined by ';'
	headers       []string
	signature     [sha256.Size]byte
}

// parseTC3 reads
// "TC3-HMAC-SHA256 Credential=id/date/service/tc3_request, SignedHeaders=a;b, Signature=hex".
func parseTC3(auth string) (tc3Auth, error) {
	var a tc3Auth
	rest, ok := strings.CutPrefix(auth, Algorithm+" ")
	if !ok {
		alg, _, _ := strings.Cut(auth, " ")
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: algorithm %q is not supported; use %s", clip(alg), Algorithm)
	}
	var credential, signedHeaders, signature string
	for part := range strings.SplitSeq(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = val
		case "SignedHeaders":
			signedHeaders = val
		case "Signature":
			signature = val
		}
	}
	switch {
	case credential == "":
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: missing Credential")
	case signedHeaders == "":
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: missing SignedHeaders")
	case signature == "":
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: missing Signature")
	}
	// The SecretId comes first and the scope is its last three parts.
	parts := strings.Split(credential, "/")
	n := len(parts)
	if n < 4 || parts[n-1] != "tc3_request" || parts[n-2] == "" || parts[0] == "" {
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: Credential is not SecretId/date/service/tc3_request")
	}
	a.secretID = strings.Join(parts[:n-3], "/")
	a.date, a.service = parts[n-3], parts[n-2]
	a.scope = a.date + "/" + a.service + "/tc3_request"
	if _, err := time.Parse(time.DateOnly, a.date); err != nil {
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: credential date %q is not YYYY-MM-DD", a.date)
	}
	// Counted before it is split: each name costs a header look-up and a
	// line of every candidate's canonical request.
	if n := strings.Count(signedHeaders, ";") + 1; n > maxSignedHeaders {
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: SignedHeaders names %d headers; at most %d may be signed", n, maxSignedHeaders)
	}
	a.signedHeaders = signedHeaders
	a.headers = strings.Split(signedHeaders, ";")
	for i, h := range a.headers {
		switch {
		case h == "" || h != strings.ToLower(h):
			return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: SignedHeaders %q must be lower-case names separated by ';'", clip(signedHeaders))
		case i > 0 && h == a.headers[i-1]:
			return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: SignedHeaders names %s more than once", clip(h))
		case i > 0 && h < a.headers[i-1]:
			return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: SignedHeaders %q must be sorted: %s comes before %s", clip(signedHeaders), clip(h), clip(a.headers[i-1]))
		}
	}
	if !slices.Contains(a.headers, "content-type") || !slices.Contains(a.headers, "host") {
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: SignedHeaders %q must include content-type and host", clip(signedHeaders))
	}
	if len(signature) != 2*sha256.Size {
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: Signature is not %d hex digits", 2*sha256.Size)
	}
	if _, err := hex.Decode(a.signature[:], []byte(signature)); err != nil {
		return a, core.Errorf(core.CodeInvalidAuthorization, "Authorization: Signature is not %d hex digits", 2*sha256.Size)
	}
	return a, nil
}

func (v *Verifier) tc3(r *core.Request, auth string, now time.Time) (core.Caller, error) {
	a, err := parseTC3(auth)
	if err != nil {
		return core.Caller{}, err
	}
	rawTS := header(r.Header, hdrTimestamp)
	ts, err := checkTime(rawTS, "X-TC-Timestamp", now)
	if err != nil {
		return core.Caller{}, err
	}
	if want := time.Unix(ts, 0).UTC().Format(time.DateOnly); a.date != want {
		return core.Caller{}, core.Errorf(core.CodeInvalidAuthorization,
			"Authorization: credential date %s is not %s, the UTC date of X-TC-Timestamp %d", a.date, want, ts)
	}
	cred, err := v.lookup(a.secretID)
	if err != nil {
		return core.Caller{}, err
	}
	if header(r.Header, hdrToken) != "" {
		return core.Caller{}, tokenFailure("X-TC-Token")
	}

	// Everything the candidates share: the payload hash, the signed header
	// lines other than host, the signing key.
	var payloadHash [sha256.Size]byte
	if header(r.Header, hdrContentSHA256) == unsignedPayload {
		payloadHash = sha256.Sum256([]byte(unsignedPayload))
	} else {
		payloadHash = sha256.Sum256(r.Body)
	}
	var payloadHex [2 * sha256.Size]byte
	hex.Encode(payloadHex[:], payloadHash[:])
	c := canonical{
		method:        r.Method,
		signedHeaders: a.signedHeaders,
		payloadHash:   string(payloadHex[:]),
		lines:         make([]headerLine, len(a.headers)),
	}
	valueBytes := 0
	for i, name := range a.headers {
		c.lines[i] = headerLine{name: name}
		if name == "host" {
			c.hostLine = i
			continue
		}
		vs, ok := r.Header[signedHeaderKey(name)]
		if !ok || len(vs) == 0 {
			return core.Caller{}, core.Errorf(core.CodeInvalidAuthorization, "Authorization: SignedHeaders names %s, but the request has no such header", clip(name))
		}
		if valueBytes += len(vs[0]); valueBytes > maxSignedHeaderBytes {
			return core.Caller{}, core.Errorf(core.CodeInvalidAuthorization, "Authorization: the signed headers' values exceed %d bytes", maxSignedHeaderBytes)
		}
		c.lines[i].value = strings.ToLower(strings.TrimSpace(vs[0]))
	}
	signing := cred.signingKey(a.date, a.service)

	mac := hmac.New(sha256.New, signing)
	// Each candidate's canonical request is streamed into crh, then the
	// string to sign into mac, through the one buffer of w.
	crh := sha256.New()
	var w hashWriter
	var sum, crHash [sha256.Size]byte
	hosts, err := v.hostCandidates(r)
	if err != nil {
		return core.Caller{}, err
	}
	if hosts[0] != "" && !serviceOf(a.service, hosts) { // no host: mismatch says so below
		return core.Caller{}, core.Errorf(core.CodeSignatureFailure,
			"the credential scope names service %s: sign for ckafka (or, as the Node SDK does, the first label of the host)", clip(a.service))
	}
	paths := pathCandidates(r.Path)
	// The rebuilt forms of the query cost a parse: they are made only
	// after the query as received has failed.
	queries := []string{r.RawQuery}
	for i := 0; i < len(queries); i++ {
		query := queries[i]
		for _, host := range hosts {
			for _, path := range paths {
				crh.Reset()
				w.w = crh
				c.write(&w, path, query, host)
				w.flush()
				var hexHash [2 * sha256.Size]byte
				hex.Encode(hexHash[:], crh.Sum(crHash[:0]))
				w.w = mac
				w.str(Algorithm)
				w.byte('\n')
				w.str(rawTS)
				w.byte('\n')
				w.str(a.scope)
				w.byte('\n')
				w.flush()
				mac.Write(hexHash[:])
				if hmac.Equal(mac.Sum(sum[:0]), a.signature[:]) {
					return v.caller(cred), nil
				}
				mac.Reset() // not before the first: its first call allocates
			}
		}
		if i == 0 {
			queries = queryCandidates(r.RawQuery) // [0] is the query as received
		}
	}
	return core.Caller{}, mismatch(hosts)
}

// signingKey derives kSigning = HMAC(HMAC(HMAC("TC3"+key, date), service), "tc3_request").
func signingKey(secretKey, date, service string) []byte {
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "tc3_request")
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// canonical is a TC3 canonical request with the URI, query and host left
// open, so that each candidate costs one append.
type canonical struct {
	method        string
	lines         []headerLine // in SignedHeaders order; lines[hostLine] takes the host
	hostLine      int
	signedHeaders string
	payloadHash   string
}

type headerLine struct{ name, value string }

// write streams
// METHOD\nURI\nQUERY\nname:value\n...\n\nSignedHeaders\nhex(sha256(payload))
// into w: the canonical request is hashed, never built.
func (c *canonical) write(w *hashWriter, path, query, host string) {
	w.str(c.method)
	w.byte('\n')
	w.str(path)
	w.byte('\n')
	w.str(query)
	w.byte('\n')
	for i, l := range c.lines {
		w.str(l.name)
		w.byte(':')
		if i == c.hostLine {
			w.str(host)
		} else {
			w.str(l.value)
		}
		w.byte('\n')
	}
	w.byte('\n')
	w.str(c.signedHeaders)
	w.byte('\n')
	w.str(c.payloadHash)
}

// hashWriter streams strings into a hash (or any writer) through a small
// buffer: no copy of the whole input is made, whatever its size.
type hashWriter struct {
	w   io.Writer
	n   int
	buf [256]byte
}

func (w *hashWriter) str(s string) {
	for len(s) > 0 {
		if w.n == len(w.buf) {
			w.flush()
		}
		k := copy(w.buf[w.n:], s)
		w.n += k
		s = s[k:]
	}
}

func (w *hashWriter) byte(b byte) {
	if w.n == len(w.buf) {
		w.flush()
	}
	w.buf[w.n] = b
	w.n++
}

func (w *hashWriter) flush() {
	w.w.Write(w.buf[:w.n])
	w.n = 0
}

// hostCandidates are the hosts a client may have signed, most likely
// first: the Host as received (the Go SDK signs the endpoint's host as
// configured, capitals and port included), then without the port (the
// Node SDK signs URL.hostname), then the host the client addressed before
// a proxy: the one a gateway adapter vouches for, and X-Forwarded-Host
// when the Verifier trusts it. Each comes as received, then lower-cased:
// URL.hostname is lower-case whatever the endpoint's spelling. With an
// allow-list (Hosts), only the hosts on it are candidates.
func (v *Verifier) hostCandidates(r *core.Request) ([]string, error) {
	host := r.Host
	if host == "" {
		host = header(r.Header, hdrHost)
	}
	out := make([]string, 0, 4)
	add := func(h string) {
		h = strings.TrimSpace(h)
		if !validHost(h) {
			return
		}
		if len(v.hosts) > 0 && !v.hosts[strings.ToLower(stripPort(h))] {
			return
		}
		for _, h := range [2]string{h, strings.ToLower(h)} {
			if h != "" && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	add(host)
	add(stripPort(host))
	if r.ForwardedHost != "" {
		add(r.ForwardedHost)
		add(stripPort(r.ForwardedHost))
	}
	if fwd := header(r.Header, hdrForwardedHost); fwd != "" && v.trustForwardedHost {
		fwd, _, _ = strings.Cut(fwd, ",") // the first is the client's; proxies append theirs
		add(fwd)
		add(stripPort(fwd))
	}
	if len(out) == 0 {
		if len(v.hosts) > 0 && (host != "" || r.ForwardedHost != "") {
			return nil, core.Errorf(core.CodeSignatureFailure, "host %s is not one that this endpoint serves (DATAHUB_HOSTS)", clip(host))
		}
		out = append(out, "")
	}
	return out, nil
}

// serviceOf reports whether service is one a client may sign a request
// to this endpoint for: ckafka (the Go SDK's), or the first label of the
// endpoint's host, port included when the host has no dot (the Node SDK's
// endpoint.split(".")[0]).
func serviceOf(service string, hosts []string) bool {
	if service == "ckafka" {
		return true
	}
	for _, h := range hosts {
		if label, _, _ := strings.Cut(h, "."); label != "" && strings.EqualFold(label, service) {
			return true
		}
	}
	return false
}

// validHost reports whether h is made of what a host name, an IP literal
// and a port are made of. Anything else (a '/' or '?' above all, which
// would let a legacy string to sign move its path) is no candidate.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == '_', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

func stripPort(host string) string {
	if !strings.Contains(host, ":") {
		return host // and SplitHostPort's error is not made
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		if strings.Contains(h, ":") { // an IPv6 literal keeps its brackets in a URL host
			return "[" + h + "]"
		}
		return h
	}
	return host
}

// pathCandidates: "/" (the Go SDK signs it for TC3), then the path as
// received, stage prefix included (the Node SDK signs URL.pathname, which
// is percent-encoded; the Go SDK's legacy signatures sign the endpoint's
// path as configured), then that path in its other form, decoded if it
// came with escapes and escaped if it needs them: adapters and gateways
// differ in which form they pass on.
func pathCandidates(path string) []string {
	if path == "" || path == "/" {
		return rootPath
	}
	out := []string{"/", path}
	other := path
	if strings.Contains(path, "%") {
		if p, err := url.PathUnescape(path); err == nil {
			other = p
		}
	} else {
		other = (&url.URL{Path: path}).EscapedPath()
	}
	if !slices.Contains(out, other) {
		out = append(out, other)
	}
	return out
}

// legacyPathCandidates are the paths a legacy signature may cover: the
// path as received and its other form (decoded or escaped), never "/" for
// another path (the SDKs sign the endpoint's real path the legacy way).
// The string to sign is METHOD host path "?" parameters: a path that
// holds '?' once decoded could carry signed parameters moved out of the
// form, so it is refused.
func legacyPathCandidates(path string) ([]string, error) {
	decoded := path
	if strings.Contains(path, "%") {
		if p, err := url.PathUnescape(path); err == nil {
			decoded = p
		}
	}
	if strings.ContainsAny(decoded, "?#") {
		return nil, core.Errorf(core.CodeSignatureFailure,
			"the path holds '?' or '#' once decoded, which a legacy signature cannot tell from its parameters; sign with %s", Algorithm)
	}
	paths := pathCandidates(path)
	if len(paths) > 1 { // pathCandidates puts "/", the TC3 Go SDK's, first
		paths = paths[1:]
	}
	return paths, nil
}

// rootPath is pathCandidates("/"), made once; callers only read it.
var rootPath = []string{"/"}

// queryCandidates: the query exactly as received (what both SDKs sign),
// then, for a gateway that hands the query over parsed and has it rebuilt
// (API Gateway REST, Tencent API Gateway), the parameters re-encoded in
// sorted url.Values order (what the Go SDK sends) and the same with spaces
// as %20 (what the Node SDK's querystring.stringify sends).
func queryCandidates(raw string) []string {
	out := []string{raw}
	if raw == "" {
		return out
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return out
	}
	enc := values.Encode()
	for _, q := range []string{enc, strings.ReplaceAll(enc, "+", "%20")} {
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// ---- legacy HmacSHA1 / HmacSHA256 ----

// legacyParams returns the parameters of a request signed the legacy way:
// the query of a GET, the form body of a POST. ok is false when there is
// no Signature parameter.
func legacyParams(r *core.Request) (url.Values, bool) {
	var raw string
	switch r.Method {
	case http.MethodGet:
		raw = r.RawQuery
	case http.MethodPost:
		mt, _, _ := mime.ParseMediaType(header(r.Header, hdrContentType))
		if mt != "application/x-www-form-urlencoded" {
			return nil, false
		}
		raw = string(r.Body)
	default:
		return nil, false
	}
	if !strings.Contains(raw, "Signature=") {
		return nil, false
	}
	values, err := url.ParseQuery(raw)
	if err != nil || values.Get("Signature") == "" {
		return nil, false
	}
	return values, true
}

func (v *Verifier) legacy(r *core.Request, params url.Values, now time.Time) (core.Caller, error) {
	var newHash func() hash.Hash
	switch method := params.Get("SignatureMethod"); method {
	case "", "HmacSHA1": // the v1 default when none is named
		newHash = sha1.New
	case "HmacSHA256":
		newHash = sha256.New
	default:
		return core.Caller{}, core.Errorf(core.CodeInvalidAuthorization, "SignatureMethod %q is not supported; use HmacSHA256, HmacSHA1 or TC3-HMAC-SHA256", clip(method))
	}
	id := params.Get("SecretId")
	if id == "" {
		return core.Caller{}, core.Errorf(core.CodeInvalidAuthorization, "missing parameter SecretId")
	}
	if _, err := checkTime(params.Get("Timestamp"), "Timestamp", now); err != nil {
		return core.Caller{}, err
	}
	cred, err := v.lookup(id)
	if err != nil {
		return core.Caller{}, err
	}
	if params.Get("Token") != "" {
		return core.Caller{}, tokenFailure("the Token parameter")
	}
	want, err := base64.StdEncoding.DecodeString(params.Get("Signature"))
	if err != nil {
		return core.Caller{}, core.Errorf(core.CodeSignatureFailure, signatureFailure)
	}

	// "?" then every parameter but Signature, sorted, as k=v with the raw
	// (decoded) values, joined by '&'.
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var q strings.Builder
	for i, k := range keys {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(k)
		q.WriteByte('=')
		q.WriteString(params.Get(k))
	}
	query := q.String()

	paths, err := legacyPathCandidates(r.Path)
	if err != nil {
		return core.Caller{}, err
	}
	hosts, err := v.hostCandidates(r)
	if err != nil {
		return core.Caller{}, err
	}
	mac := hmac.New(newHash, []byte(cred.SecretKey))
	buf := make([]byte, 0, 256+len(query))
	for _, host := range hosts {
		for _, path := range paths {
			buf = append(buf[:0], r.Method...)
			buf = append(buf, host...)
			buf = append(buf, path...)
			buf = append(buf, '?')
			buf = append(buf, query...)
			mac.Write(buf)
			if hmac.Equal(mac.Sum(nil), want) {
				if err := reshaped(params, keys); err != nil {
					return core.Caller{}, err
				}
				who := v.caller(cred)
				who.LegacySigned = true
				return who, nil
			}
			mac.Reset()
		}
	}
	return core.Caller{}, mismatch(hosts)
}

// reshaped refuses a legacy request whose signed string another request
// signs too. The v1 string to sign joins raw k=v pairs with '&' and so
// does not say where a value ends: "Message.0.Body=hi&Nonce=1" is what a
// request with Message.0.Body "hi" and Nonce "1" signs, and also one with
// Message.0.Body "hi&Nonce=1" and no Nonce. A value that holds "&Name="
// where Name is a TencentCloud parameter that the request lacks and that
// sorts after the value's own name (so that the pair could have stood
// there in the sorted string) is that second reading: a captured request
// re-shaped by moving parameters into a value, or one built to look like
// it. Any other '&' in a value passes. The reverse, splitting such a value
// into parameters, cannot be seen; README states it. keys are the signed
// names, sorted.
//
// The '=' is looked for only within the longest parameter name after each
// '&', so that the check is linear in the value's size whatever it holds.
func reshaped(params url.Values, keys []string) error {
	for _, k := range keys {
		val := params.Get(k)
		for {
			i := strings.IndexByte(val, '&')
			if i < 0 {
				break
			}
			val = val[i+1:]
			window := val[:min(len(val), maxParamName+1)]
			eq := strings.IndexByte(window, '=')
			if eq < 0 {
				continue
			}
			if name := val[:eq]; name > k && isParam(name) && !params.Has(name) {
				return core.Errorf(core.CodeSignatureFailure,
					`parameter %s holds "&%s=" but the request has no %s parameter: HmacSHA1 and HmacSHA256 sign both the same way, so the request may have been altered; send the value without it or sign with %s`,
					clip(k), clip(name), clip(name), Algorithm)
			}
		}
	}
	return nil
}

// signedParams are the parameters besides Message.N.Body and Message.N.Key
// that a TencentCloud client may send and sign: the common ones and
// DataHubId.
var signedParams = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true, "Nonce": true,
	"RequestClient": true, "Language": true, "SecretId": true, "SignatureMethod": true,
	"Token": true, "DataHubId": true,
}

// maxParamName is the longest name isParam accepts: Message.N.Body with
// the longest index core reads.
var maxParamName = len("Message.") + len("999999999") + len(".Body")

// isParam reports whether name is a signed parameter of SendMessage,
// Message.N.Body and Message.N.Key read as core reads them.
func isParam(name string) bool {
	if signedParams[name] {
		return true
	}
	rest, ok := strings.CutPrefix(name, "Message.")
	if !ok {
		return false
	}
	idx, field, ok := strings.Cut(rest, ".")
	_, isIndex := core.MessageIndex(idx)
	return ok && isIndex && (field == "Body" || field == "Key")
}

// clip shortens caller input that an error message repeats.
func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// header is h.Get(key) for a key already in canonical form: one map
// index, no canonicalisation.
func header(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// signedHeaderKey is the canonical key of a lower-case SignedHeaders name.
func signedHeaderKey(name string) string {
	if name == "content-type" { // what every SDK signs; no allocation
		return hdrContentType
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}
