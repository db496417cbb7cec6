package config

import (
	"errors"
	"os"
)

// MechanismMSKIAM is the KAFKA_SASL_MECHANISM of Amazon MSK's IAM
// authentication.
const MechanismMSKIAM = "AWS_MSK_IAM"

// AWSKeys are the credentials of the function's role, as Lambda sets them.
type AWSKeys struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// AWSCredentials reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN now: AWS_MSK_IAM calls it for each new connection, so
// that rotated credentials are used.
func AWSCredentials() (AWSKeys, error) {
	k := AWSKeys{os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return k, errors.New("KAFKA_SASL_MECHANISM is AWS_MSK_IAM, but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is empty (Lambda sets them from the function's role)")
	}
	return k, nil
}
