resource "tencentcloud_scf_function" "httpkafka" {
  name      = var.function_name
  namespace = var.namespace
  runtime   = "Go1"
  # Event: handler main, the executable in dist/scf.zip. HTTP (a web
  # function): no handler; SCF runs the zip's scf_bootstrap.
  func_type = var.web_function ? "HTTP" : "Event"
  handler   = var.web_function ? null : "main"
  zip_file  = var.web_function ? "${path.module}/../../dist/scf-web.zip" : "${path.module}/../../dist/scf.zip"
  mem_size  = var.memory_size
  timeout   = var.timeout

  # A CKafka VPC access point: the function joins its VPC.
  vpc_id            = var.vpc_id == "" ? null : var.vpc_id
  subnet_id         = var.subnet_id == "" ? null : var.subnet_id
  enable_public_net = var.enable_public_net

  # SCF allows 4 KB of environment variables in all: the optional settings
  # are passed only when set. (KAFKA_SASL_PASSWORD_SECRET and
  # DATAHUB_CREDENTIALS_SECRET read AWS's Lambda extension: not here.)
  environment = merge({
    KAFKA_BROKERS             = var.kafka_brokers
    KAFKA_CLIENT_ID           = var.kafka_client_id
    KAFKA_SASL_MECHANISM      = var.kafka_sasl_mechanism
    KAFKA_SASL_USER           = var.kafka_sasl_user
    KAFKA_SASL_PASSWORD       = var.kafka_sasl_password
    KAFKA_TLS                 = var.kafka_tls
    KAFKA_DELIVERY_TIMEOUT    = var.kafka_delivery_timeout
    KAFKA_PRODUCE_TIMEOUT     = var.kafka_produce_timeout
    KAFKA_RECORD_RETRIES      = var.kafka_record_retries
    DATAHUB_ACCESS_POINTS     = var.datahub_access_points
    DATAHUB_SUSPENDED         = var.datahub_suspended
    DATAHUB_MAX_MESSAGES      = var.datahub_max_messages
    DATAHUB_MAX_MESSAGE_BYTES = var.datahub_max_message_bytes
    DATAHUB_MAX_REQUEST_BYTES = var.datahub_max_request_bytes
    DATAHUB_REQUEST_TIMEOUT   = var.datahub_request_timeout
    DATAHUB_CREDENTIALS       = var.datahub_credentials
    DATAHUB_AUTH              = var.datahub_auth
    DATAHUB_HOSTS             = var.datahub_hosts
    DATAHUB_CORS_ORIGINS      = var.datahub_cors_origins
    DATAHUB_RECORD_HEADERS    = var.datahub_record_headers
    LOG_LEVEL                 = var.log_level
    }, { for k, v in {
      KAFKA_TLS_CA                   = var.kafka_tls_ca
      KAFKA_TLS_CERT                 = var.kafka_tls_cert
      KAFKA_TLS_KEY                  = var.kafka_tls_key
      KAFKA_TLS_SERVER_NAME          = var.kafka_tls_server_name
      KAFKA_TLS_INSECURE_SKIP_VERIFY = var.kafka_tls_insecure_skip_verify
      KAFKA_COMPRESSION              = var.kafka_compression
      DATAHUB_CONFIG_FILE            = var.datahub_config_file
      DATAHUB_IDEMPOTENCY_STORE      = var.datahub_idempotency_store
      DATAHUB_IDEMPOTENCY_TTL        = var.datahub_idempotency_ttl
      DATAHUB_IDEMPOTENCY_FAIL_OPEN  = var.datahub_idempotency_fail_open
      DATAHUB_REPLAY_PROTECTION      = var.datahub_replay_protection
  } : k => v if v != "" })
}

# The function URL. The provider names http triggers itself (trigger_name
# must be left out). AuthType NONE: anyone may call the URL, and httpkafka
# checks the TencentCloud signature of every request (CAM would require
# signatures for SCF itself, which a CKafka SDK client cannot make). Both
# network flags default to false, so the public one is set.
resource "tencentcloud_scf_trigger" "function_url" {
  function_name = tencentcloud_scf_function.httpkafka.name
  namespace     = var.namespace
  type          = "http"
  qualifier     = "$DEFAULT"
  enable        = "OPEN"
  trigger_desc = jsonencode({
    AuthType = "NONE"
    NetConfig = {
      EnableIntranet = false
      EnableExtranet = true
    }
  })
}
