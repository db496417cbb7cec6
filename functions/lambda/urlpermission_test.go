package main

import (
	"fmt"
	"testing"

	"httpkafka/internal/gatewaytest"
)

// TestFunctionURLPermissions: since October 2025 AWS requires both
// lambda:InvokeFunctionUrl and lambda:InvokeFunction (the latter only via
// the function URL) for anyone to call a function URL with AuthType NONE;
// template.yaml grants both, under the URL's own condition.
func TestFunctionURLPermissions(t *testing.T) {
	t.Parallel()
	resources := gatewaytest.Map(t, gatewaytest.ReadYAML(t, templatePath), "Resources")
	urlCond := gatewaytest.Map(t, resources, "SendMessageFunctionUrl")["Condition"]
	granted := map[string]bool{}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::Lambda::Permission" {
			continue
		}
		p := gatewaytest.Map(t, res, "Properties")
		if p["Principal"] != "*" || p["FunctionName"] != "SendMessageFunction" || res["Condition"] != urlCond {
			t.Errorf("%s: %v, want Principal * on SendMessageFunction under the URL's condition %v", id, p, urlCond)
			continue
		}
		switch p["Action"] {
		case "lambda:InvokeFunctionUrl":
			granted["url"] = p["FunctionUrlAuthType"] == "NONE"
		case "lambda:InvokeFunction":
			granted["invoke"] = fmt.Sprint(p["InvokedViaFunctionUrl"]) == "true"
		}
	}
	if !granted["url"] || !granted["invoke"] {
		t.Errorf("granted %v: want lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE) and lambda:InvokeFunction (InvokedViaFunctionUrl true)", granted)
	}
}
