# The function URL, https://<appid>-<urlid>.<region>.tencentscf.com: a
# client's SDK endpoint is its host. SCF returns it in the trigger's
# description; the key name (NetConfig.ExtranetUrl) is not documented, so
# the whole description is the fallback.
output "function_url" {
  description = "the function URL (SDK endpoint: its host)"
  value       = try(jsondecode(tencentcloud_scf_trigger.function_url.trigger_attribute).NetConfig.ExtranetUrl, tencentcloud_scf_trigger.function_url.trigger_attribute)
}
