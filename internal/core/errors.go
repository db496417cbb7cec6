package core

import (
	"errors"
	"fmt"
)

// TencentCloud API 3.0 error codes that httpkafka answers with. The common
// codes are shared by every TencentCloud product; the rest are CKafka's
// documented SendMessage codes.
const (
	CodeInvalidAuthorization     = "AuthFailure.InvalidAuthorization"
	CodeSecretIDNotFound         = "AuthFailure.SecretIdNotFound"
	CodeSignatureExpire          = "AuthFailure.SignatureExpire"
	CodeSignatureFailure         = "AuthFailure.SignatureFailure"
	CodeTokenFailure             = "AuthFailure.TokenFailure"
	CodeUnauthorizedOperation    = "AuthFailure.UnauthorizedOperation"
	CodeFailedOperation          = "FailedOperation"
	CodeInternalError            = "InternalError"
	CodeInvalidAction            = "InvalidAction"
	CodeInvalidParameter         = "InvalidParameter"
	CodeInvalidParameterValue    = "InvalidParameterValue"
	CodeMissingParameter         = "MissingParameter"
	CodeNoSuchVersion            = "NoSuchVersion"
	CodeRequestLimitExceeded     = "RequestLimitExceeded"
	CodeRequestSizeLimitExceeded = "RequestSizeLimitExceeded"
	CodeResourceNotFound         = "ResourceNotFound"
	CodeKafkaStorageError        = "ResourceUnavailable.KafkaStorageError"
	CodeResourceUnavailable      = "ResourceUnavailable"
	// Idempotency keys (ClientToken, Idempotency-Key): the key was used
	// with other messages, or its first request is still running.
	CodeIdempotentParameterMismatch = "UnsupportedOperation.IdempotentParameterMismatch"
	CodeIdempotentProcessing        = "UnsupportedOperation.IdempotentProcessing"
	CodeUnknownParameter            = "UnknownParameter"
	CodeUnsupportedProtocol         = "UnsupportedProtocol"
)

const internalErrorMessage = "an internal error occurred; quote the RequestId when reporting it"

// Error is an API error: a TencentCloud error code and a message that is
// safe to show to the caller. Cause, when set, is logged but never sent.
type Error struct {
	Code    string
	Message string
	Cause   error
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// asAPIError turns any error into the *Error sent to the caller. An error
// that is not an *Error is a bug: the caller sees InternalError with a
// generic message and the details go to the log only.
func asAPIError(err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return &Error{Code: CodeInternalError, Message: internalErrorMessage, Cause: err}
}

// Errors a Producer wraps so that the core can map Kafka failures to codes.
var (
	// ErrTopicNotFound is wrapped when Kafka says the topic does not exist.
	ErrTopicNotFound = errors.New("topic does not exist")
	// ErrStorage is wrapped when a broker reports KAFKA_STORAGE_ERROR.
	ErrStorage = errors.New("kafka storage error")
)

// ProduceError reports a batch that Kafka did not acknowledge in full.
// Written messages are durable; Failed ones were not written; Unknown ones
// were in flight when the deadline passed and may or may not be written.
type ProduceError struct {
	Written, Failed, Unknown int
	Err                      error // the first Kafka error seen, or the context error
}

func (e *ProduceError) Error() string {
	return fmt.Sprintf("%d written, %d not written, %d unknown: %v", e.Written, e.Failed, e.Unknown, e.Err)
}

func (e *ProduceError) Unwrap() error { return e.Err }
