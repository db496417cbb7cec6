# httpkafka on Tencent Cloud SCF behind a function URL, with Terraform.
#
#   make build                      # dist/scf.zip and dist/scf-web.zip
#   cd deploy/tencent
#   terraform init
#   terraform apply -var 'kafka_brokers=...' -var 'datahub_access_points=...' \
#                   -var 'datahub_credentials=...'   # or a *.tfvars file
#
# web_function = false (the default) deploys the event function (dist/scf.zip,
# handler main); true deploys the web function (dist/scf-web.zip, started by
# its scf_bootstrap). Either way a function URL (trigger type http, AuthType
# NONE: httpkafka checks TencentCloud signatures itself) is created, and its
# address is the output function_url.
#
# The provider reads TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and
# TENCENTCLOUD_REGION (or the region variable below).
terraform {
  required_version = ">= 1.3"
  required_providers {
    tencentcloud = {
      source = "tencentcloudstack/tencentcloud"
      # tencentcloud_scf_trigger first appeared in 1.83.16.
      version = ">= 1.83.16"
    }
  }
}

provider "tencentcloud" {
  region = var.region
}
