package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// The one action and version this access layer serves.
const (
	Action  = "SendMessage"
	Version = "2019-08-19"
)

// Producer writes messages to Kafka. The core owns this interface;
// internal/kafka implements it over franz-go.
type Producer interface {
	// Produce writes msgs, in order, to topic and waits until Kafka has
	// acknowledged or failed each one, or ctx is done. On success out[i]
	// (len(out) == len(msgs)) says where msgs[i] landed. Otherwise it
	// returns a *ProduceError, wrapping ErrTopicNotFound or ErrStorage
	// when Kafka said so.
	Produce(ctx context.Context, topic string, msgs []Message, out []Placement) error
}

// Placement is where Kafka stored one message.
type Placement struct {
	Partition int32
	Offset    int64
	Timestamp time.Time // the record timestamp: when it was handed to Kafka
}

// Authenticator checks who signed a request.
type Authenticator interface {
	// Authenticate returns the caller, or an *Error with an AuthFailure
	// code. now is the server time to check the request's timestamp with.
	Authenticate(r *Request, now time.Time) (Caller, error)
}

// Caller is an authenticated caller.
type Caller struct {
	SecretID string
	// DataHubIDs are the access points the caller may send to; nil means all.
	DataHubIDs []string
	// LegacySigned is set when a legacy signature (HmacSHA1, HmacSHA256)
	// in the form body or query authenticated the request. It covers no
	// header, so Action and Version then come from the parameters only,
	// never from X-TC-Action and X-TC-Version.
	LegacySigned bool
}

// AccessPoint is one DataHub access point: the topic its messages go to.
type AccessPoint struct {
	Topic string
	// Suspended access points answer FailedOperation, as a paused CKafka
	// data access task does.
	Suspended bool
}

// Options configure a Service. Zero limits take the defaults below.
type Options struct {
	AccessPoints    map[string]AccessPoint
	MaxMessages     int           // per request; default 500
	MaxMessageBytes int           // Body plus Key of one message; default 1,000,000
	MaxRequestBytes int           // the request body; default 6 MiB
	Timeout         time.Duration // from receipt to reply; default 10s
	// ReplyMargin is kept free before the caller's context deadline (a
	// function's invocation deadline) so that the reply still goes out.
	ReplyMargin time.Duration
	// Auth checks signatures; nil serves unauthenticated requests.
	Auth   Authenticator
	Logger *slog.Logger
	// Dedup makes requests with an idempotency key idempotent; nil
	// produces them like any other request.
	Dedup Deduplicator
	// Replays refuses reused TC3 signatures; nil accepts them.
	Replays ReplayGuard
	// Observer sees every answered request (logs, metrics); nil: none.
	Observer Observer
	// CORSOrigins are the browser origins allowed to call the service
	// ("*" for any); empty turns CORS off, and OPTIONS is refused.
	CORSOrigins []string
	// RecordHeaders are the record headers added to every message
	// (RecordHeaderRequestID, ...); empty adds none.
	RecordHeaders []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults for zero Options fields.
const (
	DefaultMaxMessages     = 500
	DefaultMaxMessageBytes = 1_000_000
	DefaultMaxRequestBytes = 6 << 20
	DefaultTimeout         = 10 * time.Second
)

// Service answers SendMessage requests. It is safe for concurrent use.
type Service struct {
	opts     Options
	producer Producer
	points   map[string]accessPoint
	log      *slog.Logger
	now      func() time.Time
}

type accessPoint struct {
	AccessPoint
	idPrefix []byte // JSON-escaped "datahubId:topic:", the start of every MessageId
}

// New returns a Service that produces through p.
func New(opts Options, p Producer) *Service {
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = DefaultMaxMessages
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	s := &Service{opts: opts, producer: p, points: map[string]accessPoint{}, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	for id, ap := range opts.AccessPoints {
		prefix := appendJSONStringBody(nil, id+":"+ap.Topic+":")
		s.points[id] = accessPoint{AccessPoint: ap, idPrefix: prefix}
	}
	return s
}

// MaxRequestBytes is the largest request body the service accepts; adapters
// that read bodies from a stream stop reading one byte past it.
func (s *Service) MaxRequestBytes() int { return s.opts.MaxRequestBytes }

// Handle answers one request. It never panics on bad input and always
// returns a TencentCloud envelope: an error never leaves it as a Go error.
func (s *Service) Handle(ctx context.Context, r *Request) *Response {
	received := r.Received
	if received.IsZero() {
		received = s.now()
	}
	id := requestID(r)
	// The request ends at its deadline, which s.deadline takes from ctx
	// too. Only that: a caller that goes away (an HTTP client closing its
	// connection) does not stop a produce that is under way, and the
	// context is not tied to the caller's, which would cost a registration
	// with the parent per request.
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), s.deadline(ctx, received))
	defer cancel()

	if resp := s.preflight(r, id); resp != nil {
		return s.finish(ctx, r, resp, received)
	}
	var st Stats
	c, ap, placements, err := s.safeSendMessage(ctx, r, id, received, &st)
	if err != nil {
		resp := s.fail(ctx, r, id, c, err)
		resp.Header = replayedHeader(c)
		resp.Stats.Auth, resp.Stats.Decode, resp.Stats.Produce = st.Auth, st.Decode, st.Produce
		resp.Stats.Topic = ap.Topic
		s.release(c, nil)
		return s.finish(ctx, r, resp, received)
	}
	idReceived := received
	if !c.firstReceived.IsZero() { // a keyed request: the MessageIds of its first attempt
		idReceived = c.firstReceived
	}
	resp := &Response{StatusCode: http.StatusOK, ContentType: contentTypeJSON, RequestID: id,
		Header: replayedHeader(c), Body: successEnvelope(ap.idPrefix, idReceived, placements, id)}
	resp.Stats = st
	resp.Stats.Code = CodeOK
	resp.Stats.DataHubID, resp.Stats.Topic, resp.Stats.Messages = c.DataHubID, ap.Topic, len(c.Messages)
	s.release(c, placements)
	return s.finish(ctx, r, resp, received)
}

// Fail answers a request that an adapter could not hand to Handle (a body
// over the size limit that it did not read, a body that is not valid
// base64) with err's envelope, logged as Handle logs.
func (s *Service) Fail(ctx context.Context, r *Request, err error) *Response {
	received := r.Received
	if received.IsZero() {
		received = s.now()
	}
	return s.finish(ctx, r, s.fail(ctx, r, requestID(r), nil, err), received)
}

func (s *Service) fail(ctx context.Context, r *Request, id string, c *call, err error) *Response {
	apiErr := asAPIError(err)
	s.logFailure(ctx, r, id, c, apiErr)
	resp := &Response{StatusCode: http.StatusOK, ContentType: contentTypeJSON, RequestID: id, Body: errorEnvelope(apiErr, id)}
	resp.Stats.Code, resp.Stats.Message = apiErr.Code, apiErr.Message
	if c != nil {
		resp.Stats.DataHubID, resp.Stats.Messages = c.DataHubID, len(c.Messages)
	}
	return resp
}

func requestID(r *Request) string {
	if r.RequestID != "" {
		return r.RequestID
	}
	return newUUID()
}

// deadline is when the reply must be ready: the configured timeout after
// receipt, or earlier when the caller's context ends sooner.
func (s *Service) deadline(ctx context.Context, received time.Time) time.Time {
	d := received.Add(s.opts.Timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Add(-s.opts.ReplyMargin).Before(d) {
		d = cd.Add(-s.opts.ReplyMargin)
	}
	return d
}

// safeSendMessage is sendMessage with a panic turned into an error, so that
// a bug costs one InternalError reply and not the process.
func (s *Service) safeSendMessage(ctx context.Context, r *Request, id string, received time.Time, st *Stats) (c *call, ap accessPoint, p []Placement, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return s.sendMessage(ctx, r, id, received, st)
}

// sendMessage checks the request, validates all of it and produces it,
// timing each step into st.
func (s *Service) sendMessage(ctx context.Context, r *Request, id string, received time.Time, st *Stats) (*call, accessPoint, []Placement, error) {
	c := &call{missingBody: -1}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return c, accessPoint{}, nil, Errorf(CodeUnsupportedProtocol, "method %s is not supported; use POST (or GET for small requests)", r.Method)
	}
	if len(r.Body) > s.opts.MaxRequestBytes {
		return c, accessPoint{}, nil, Errorf(CodeRequestSizeLimitExceeded, "request body is %d bytes, limit %d", len(r.Body), s.opts.MaxRequestBytes)
	}
	var caller *Caller
	mark := s.now()
	if s.opts.Auth != nil {
		who, err := s.opts.Auth.Authenticate(r, mark)
		st.Auth = s.now().Sub(mark)
		if err != nil {
			return c, accessPoint{}, nil, err
		}
		caller = &who
		mark = mark.Add(st.Auth)
	}
	err := s.decode(r, c, caller != nil && caller.LegacySigned)
	if err != nil {
		st.Decode = s.now().Sub(mark)
		return c, accessPoint{}, nil, err
	}
	ap, err := s.validate(c, caller)
	st.Decode = s.now().Sub(mark)
	if err != nil {
		return c, ap, nil, err
	}
	key, err := idempotencyKey(r, c)
	if err != nil {
		return c, ap, nil, err
	}
	s.addRecordHeaders(r, id, c.Messages, received)
	if ctx.Err() != nil {
		// A slow upload can use up the time before anything is sent.
		return c, ap, nil, Errorf(CodeFailedOperation, "request timed out before any message was sent (%s after it was received): 0 of %d messages written", s.now().Sub(received).Round(time.Millisecond), len(c.Messages))
	}
	mark = s.now()
	placements, err := s.produceOnce(ctx, r, c, ap, caller, key, received)
	st.Produce = s.now().Sub(mark)
	return c, ap, placements, err
}

// decode reads the action, version and parameters from wherever this kind
// of request carries them: TC3 requests name the action in X-TC-* headers
// and send JSON; legacy-signed and GET requests flatten everything into a
// form body or query. legacySigned: a legacy signature authenticated the
// request; it covers no header, so X-TC-Action and X-TC-Version are not
// read (the action and version come from the signed parameters, or are
// missing).
func (s *Service) decode(r *Request, c *call, legacySigned bool) error {
	if !legacySigned {
		c.Action = r.Header.Get("X-Tc-Action") // canonical spellings: Get need not make them
		c.Version = r.Header.Get("X-Tc-Version")
	}
	mediaType, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";") // parameters (charset) do not matter
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	var err error
	switch {
	case r.Method == http.MethodGet:
		err = decodeForm(r.RawQuery, s.opts.MaxMessages, c)
	case mediaType == "application/x-www-form-urlencoded":
		err = decodeForm(string(r.Body), s.opts.MaxMessages, c)
	case mediaType == "application/json" || mediaType == "":
		if err = checkAction(c); err == nil {
			err = decodeJSON(r.Body, s.opts.MaxMessages, c)
		}
	default:
		return Errorf(CodeInvalidParameter, "Content-Type %q is not supported; send application/json", mediaType)
	}
	if err != nil {
		return err
	}
	return checkAction(c)
}

func checkAction(c *call) error {
	switch {
	case c.Action == "":
		return Errorf(CodeMissingParameter, "missing parameter Action (the X-TC-Action header, or Action in a form or query)")
	case c.Action != Action:
		return Errorf(CodeInvalidAction, "action %q does not exist; this endpoint serves %s", c.Action, Action)
	case c.Version == "":
		return Errorf(CodeMissingParameter, "missing parameter Version (the X-TC-Version header, or Version in a form or query)")
	case c.Version != Version:
		return Errorf(CodeNoSuchVersion, "version %q does not exist; %s is version %s", c.Version, Action, Version)
	}
	return nil
}

// validate checks the whole request before anything is produced.
func (s *Service) validate(c *call, caller *Caller) (accessPoint, error) {
	switch {
	case !c.hasDataHubID || c.DataHubID == "":
		return accessPoint{}, Errorf(CodeMissingParameter, "missing parameter DataHubId")
	case !c.hasMessages:
		return accessPoint{}, Errorf(CodeMissingParameter, "missing parameter Message")
	case len(c.Messages) == 0:
		return accessPoint{}, Errorf(CodeInvalidParameterValue, "Message is empty; send 1 to %d messages", s.opts.MaxMessages)
	case len(c.Messages) > s.opts.MaxMessages:
		return accessPoint{}, tooManyMessages(len(c.Messages), s.opts.MaxMessages)
	case c.missingBody >= 0:
		return accessPoint{}, Errorf(CodeMissingParameter, "missing parameter Message[%d].Body", c.missingBody)
	}
	for i, m := range c.Messages {
		if len(m.Value) > s.opts.MaxMessageBytes {
			return accessPoint{}, Errorf(CodeInvalidParameterValue, "Message[%d].Body is %d bytes, limit %d", i, len(m.Value), s.opts.MaxMessageBytes)
		}
		if n := len(m.Value) + len(m.Key); n > s.opts.MaxMessageBytes {
			return accessPoint{}, Errorf(CodeInvalidParameterValue, "Message[%d] is %d bytes (Body %d + Key %d), limit %d", i, n, len(m.Value), len(m.Key), s.opts.MaxMessageBytes)
		}
	}
	if caller != nil && caller.DataHubIDs != nil && !slices.Contains(caller.DataHubIDs, c.DataHubID) {
		return accessPoint{}, Errorf(CodeUnauthorizedOperation, "SecretId %s may not send to access point %s", caller.SecretID, c.DataHubID)
	}
	ap, ok := s.points[c.DataHubID]
	switch {
	case !ok:
		return ap, Errorf(CodeResourceNotFound, "access point %s does not exist", c.DataHubID)
	case ap.Suspended:
		return ap, Errorf(CodeFailedOperation, "task status suspended [%s]", c.DataHubID)
	}
	return ap, nil
}

// produceFailure maps what the producer said to the caller's error.
func (s *Service) produceFailure(c *call, ap accessPoint, err error) error {
	var pe *ProduceError
	if !errors.As(err, &pe) {
		return err // not the documented kind: a bug, answered as InternalError
	}
	n := len(c.Messages)
	counts := fmt.Sprintf("%d of %d messages written, %d not written", pe.Written, n, pe.Failed)
	if pe.Unknown > 0 {
		counts += fmt.Sprintf(", %d may or may not have been written", pe.Unknown)
	}
	switch {
	case errors.Is(err, ErrTopicNotFound):
		return &Error{Code: CodeResourceNotFound, Message: fmt.Sprintf("topic %s of access point %s does not exist in Kafka", ap.Topic, c.DataHubID), Cause: err}
	case pe.Unknown > 0 && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)):
		return &Error{Code: CodeFailedOperation, Message: fmt.Sprintf("request timed out before Kafka acknowledged every message: %s", counts), Cause: err}
	case errors.Is(err, ErrStorage):
		return &Error{Code: CodeKafkaStorageError, Message: fmt.Sprintf("kafka storage error on topic %s: %s", ap.Topic, counts), Cause: err}
	}
	return &Error{Code: CodeFailedOperation, Message: fmt.Sprintf("kafka error on topic %s: %v: %s", ap.Topic, pe.Err, counts), Cause: err}
}

// logFailure logs the cause of a failed request once: Kafka failures at
// Warn, bugs at Error with the hidden cause. Caller mistakes need no line
// of their own: the Observer's one line per request carries their code and
// message.
func (s *Service) logFailure(ctx context.Context, r *Request, id string, c *call, e *Error) {
	var level slog.Level
	switch {
	case e.Code == CodeInternalError:
		level = slog.LevelError
	case e.Cause != nil:
		level = slog.LevelWarn
	default:
		return
	}
	attrs := []slog.Attr{slog.String("request_id", id), slog.String("code", e.Code), slog.String("message", e.Message)}
	if r.SourceIP != "" {
		attrs = append(attrs, slog.String("source_ip", r.SourceIP))
	}
	if c != nil && c.DataHubID != "" {
		attrs = append(attrs, slog.String("datahub_id", c.DataHubID))
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	s.log.LogAttrs(ctx, level, "request failed", attrs...)
}
