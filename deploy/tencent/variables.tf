# Where and how the function runs.

variable "region" {
  description = "Tencent Cloud region of the function (and of its CKafka instance, for a VPC access point)"
  type        = string
  default     = "ap-guangzhou"
}

variable "function_name" {
  description = "SCF function name"
  type        = string
  default     = "httpkafka-sendmessage"
}

variable "namespace" {
  description = "SCF namespace"
  type        = string
  default     = "default"
}

variable "web_function" {
  description = "false: the event function (dist/scf.zip, handler main); true: the web function (dist/scf-web.zip, scf_bootstrap)"
  type        = bool
  default     = false
}

variable "memory_size" {
  description = "memory in MB: 64, or 128 to 3072 in steps of 128"
  type        = number
  default     = 256
}

variable "timeout" {
  description = "function timeout in seconds; above datahub_request_timeout"
  type        = number
  default     = 15
}

variable "vpc_id" {
  description = "VPC of a CKafka VPC access point (vpc-...); empty for none. With a VPC the function reaches the internet only if enable_public_net stays true"
  type        = string
  default     = ""
}

variable "subnet_id" {
  description = "subnet in vpc_id (subnet-...); empty for none"
  type        = string
  default     = ""
}

variable "enable_public_net" {
  description = "give the function internet access (a CKafka public access point needs it); the provider defaults it to false"
  type        = bool
  default     = true
}

# httpkafka's configuration: one variable per environment variable, with
# httpkafka's defaults (see the README's configuration table).

variable "kafka_brokers" {
  description = "KAFKA_BROKERS: comma-separated Kafka bootstrap brokers (host:port)"
  type        = string
}

variable "kafka_client_id" {
  description = "KAFKA_CLIENT_ID: client id the producer gives Kafka"
  type        = string
  default     = "httpkafka"
}

variable "kafka_sasl_mechanism" {
  description = "KAFKA_SASL_MECHANISM: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty for no SASL"
  type        = string
  default     = ""
}

variable "kafka_sasl_user" {
  description = "KAFKA_SASL_USER: SASL user name (for CKafka: instanceId#user)"
  type        = string
  default     = ""
}

variable "kafka_sasl_password" {
  description = "KAFKA_SASL_PASSWORD: SASL password"
  type        = string
  default     = ""
  sensitive   = true
}

variable "kafka_tls" {
  description = "KAFKA_TLS: connect to the brokers over TLS"
  type        = string
  default     = "false"
}

variable "kafka_tls_ca" {
  description = "KAFKA_TLS_CA: CA certificates (PEM, or the path of a PEM file in the zip) that sign the brokers' certificates; empty: not set"
  type        = string
  default     = ""
}

variable "kafka_tls_cert" {
  description = "KAFKA_TLS_CERT: client certificate for mutual TLS (PEM or a path), with kafka_tls_key; empty: not set"
  type        = string
  default     = ""
}

variable "kafka_tls_key" {
  description = "KAFKA_TLS_KEY: client certificate's private key (PEM or a path); empty: not set"
  type        = string
  default     = ""
  sensitive   = true
}

variable "kafka_tls_server_name" {
  description = "KAFKA_TLS_SERVER_NAME: name the brokers' certificates must carry; empty: not set"
  type        = string
  default     = ""
}

variable "kafka_tls_insecure_skip_verify" {
  description = "KAFKA_TLS_INSECURE_SKIP_VERIFY: true skips checking the brokers' certificates (tests only); empty: not set (false)"
  type        = string
  default     = ""
}

variable "kafka_compression" {
  description = "KAFKA_COMPRESSION: none, gzip, snappy, lz4 or zstd; empty: not set (franz-go's default, snappy)"
  type        = string
  default     = ""
}

variable "datahub_config_file" {
  description = "DATAHUB_CONFIG_FILE: YAML or JSON file with accessPoints and credentials beyond SCF's 4 KB of environment; empty: not set"
  type        = string
  default     = ""
}

variable "kafka_delivery_timeout" {
  description = "KAFKA_DELIVERY_TIMEOUT: how long a message may wait to be written before it fails"
  type        = string
  default     = "8s"
}

variable "kafka_produce_timeout" {
  description = "KAFKA_PRODUCE_TIMEOUT: how long a broker may take to answer one produce request"
  type        = string
  default     = "5s"
}

variable "kafka_record_retries" {
  description = "KAFKA_RECORD_RETRIES: retries of a failed write"
  type        = string
  default     = "10"
}

variable "datahub_access_points" {
  description = "DATAHUB_ACCESS_POINTS: access points and their topics, datahub-abc=topicA,datahub-def=topicB"
  type        = string
}

variable "datahub_suspended" {
  description = "DATAHUB_SUSPENDED: comma-separated access point ids whose task is paused"
  type        = string
  default     = ""
}

variable "datahub_max_messages" {
  description = "DATAHUB_MAX_MESSAGES: most messages in one request"
  type        = string
  default     = "500"
}

variable "datahub_max_message_bytes" {
  description = "DATAHUB_MAX_MESSAGE_BYTES: largest message, Body plus Key, in bytes"
  type        = string
  default     = "1000000"
}

variable "datahub_max_request_bytes" {
  description = "DATAHUB_MAX_REQUEST_BYTES: largest request body in bytes"
  type        = string
  default     = "6291456"
}

variable "datahub_request_timeout" {
  description = "DATAHUB_REQUEST_TIMEOUT: longest time from receiving a request to answering it"
  type        = string
  default     = "10s"
}

variable "datahub_credentials" {
  description = "DATAHUB_CREDENTIALS: API keys that may sign requests, SecretId:SecretKey[:datahubId|...],..."
  type        = string
  sensitive   = true
}

variable "datahub_auth" {
  description = "DATAHUB_AUTH: tc3 (signatures required) or none"
  type        = string
  default     = "tc3"
}

variable "datahub_hosts" {
  description = "DATAHUB_HOSTS: comma-separated host names requests may be signed for (the function URL's or your domain); empty accepts the host each request was sent to"
  type        = string
  default     = ""
}

variable "datahub_cors_origins" {
  description = "DATAHUB_CORS_ORIGINS: browser origins allowed to call the function (CORS), comma-separated, * for any; empty turns CORS off"
  type        = string
  default     = ""
}

variable "datahub_record_headers" {
  description = "DATAHUB_RECORD_HEADERS: record headers added to every message, comma-separated: request-id, source-ip, received, traceparent"
  type        = string
  default     = ""
}

variable "datahub_idempotency_store" {
  description = "DATAHUB_IDEMPOTENCY_STORE: redis:// or rediss:// URL of a Redis 7+ store (TencentDB for Redis, reached over the VPC) that makes keyed requests write once; empty for none"
  type        = string
  default     = ""
  sensitive   = true
}

variable "datahub_idempotency_ttl" {
  description = "DATAHUB_IDEMPOTENCY_TTL: how long the outcome of a keyed request is kept; empty: not set (24h)"
  type        = string
  default     = ""
}

variable "datahub_idempotency_fail_open" {
  description = "DATAHUB_IDEMPOTENCY_FAIL_OPEN: true produces keyed requests without deduplication while the store is unreachable; empty: not set (false)"
  type        = string
  default     = ""
}

variable "datahub_replay_protection" {
  description = "DATAHUB_REPLAY_PROTECTION: true refuses a TC3 signature already used (needs the store); empty: not set (false)"
  type        = string
  default     = ""
}

variable "log_level" {
  description = "LOG_LEVEL: DEBUG, INFO, WARN or ERROR"
  type        = string
  default     = "INFO"
}
