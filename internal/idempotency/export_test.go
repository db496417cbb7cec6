package idempotency

// Fingerprint is the messages' hash, for tests that write a store entry
// the way another instance would.
var Fingerprint = fingerprint
