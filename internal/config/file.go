package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileBytes bounds DATAHUB_CONFIG_FILE: thousands of access points
// and keys fit in far less.
const maxFileBytes = 16 << 20

// file is DATAHUB_CONFIG_FILE's document:
//
//	accessPoints:
//	  datahub-abc: {topic: topicDev}
//	  datahub-def: {topic: topicProd, suspended: true}
//	credentials:
//	  - {secretId: AKIDprod, secretKey: k3y1}
//	  - {secretId: AKIDdev, secretKey: k3y2, dataHubIds: [datahub-abc]}
type file struct {
	AccessPoints map[string]fileAccessPoint `yaml:"accessPoints"`
	Credentials  []fileCredential           `yaml:"credentials"`
}

type fileAccessPoint struct {
	Topic     string `yaml:"topic"`
	Suspended bool   `yaml:"suspended"`
}

type fileCredential struct {
	SecretID   string   `yaml:"secretId"`
	SecretKey  string   `yaml:"secretKey"`
	DataHubIDs []string `yaml:"dataHubIds"`
}

// unknownField is yaml.v3's text for a key no field takes.
var unknownField = regexp.MustCompile(`line (\d+): field (.+) not found in type \S+`)

// loadFile reads DATAHUB_CONFIG_FILE, if set, under what the environment
// says: for an access point id or SecretId in both, the environment's
// wins; suspensions from both add up.
func (c *Config) loadFile() error {
	if c.ConfigFile == "" {
		return nil
	}
	name := "DATAHUB_CONFIG_FILE " + c.ConfigFile
	raw, err := os.ReadFile(c.ConfigFile)
	switch {
	case err != nil:
		return fmt.Errorf("DATAHUB_CONFIG_FILE: %w", err)
	case len(raw) > maxFileBytes:
		return fmt.Errorf("%s: %d bytes, limit %d", name, len(raw), maxFileBytes)
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) { // an empty file configures nothing
		return fmt.Errorf("%s: %s", name, yamlError(err))
	}

	points := make(AccessPoints, len(f.AccessPoints)+len(c.AccessPoints))
	var suspended []string
	for id, ap := range f.AccessPoints {
		if ap.Topic == "" {
			return fmt.Errorf("%s: access point %s has no topic", name, id)
		}
		points[id] = ap.Topic
		if ap.Suspended {
			suspended = append(suspended, id)
		}
	}
	for id, topic := range c.AccessPoints {
		points[id] = topic
	}
	for _, id := range c.Suspended {
		if !slices.Contains(suspended, id) {
			suspended = append(suspended, id)
		}
	}
	slices.Sort(suspended)

	creds := make(Credentials, 0, len(f.Credentials))
	seen := make(map[string]bool, len(f.Credentials))
	for i, fc := range f.Credentials {
		cred := Credential{SecretID: strings.TrimSpace(fc.SecretID), SecretKey: fc.SecretKey, DataHubIDs: fc.DataHubIDs}
		switch {
		case !validID.MatchString(cred.SecretID):
			return fmt.Errorf("%s: credential %d: secretId may hold only letters, digits, '.', '_' and '-'", name, i+1)
		case cred.SecretKey == "" || strings.ContainsAny(cred.SecretKey, " \t\r\n"):
			return fmt.Errorf("%s: credential %d (%s): secretKey is empty or holds white space", name, i+1, cred.SecretID)
		case seen[cred.SecretID]:
			return fmt.Errorf("%s: SecretId %s is listed twice", name, cred.SecretID)
		}
		for _, id := range cred.DataHubIDs {
			if !validID.MatchString(id) {
				return fmt.Errorf("%s: credential %d (%s): dataHubIds: %q is not an access point id", name, i+1, cred.SecretID, id)
			}
		}
		seen[cred.SecretID] = true
		creds = append(creds, cred)
	}
	c.AccessPoints = points
	c.Suspended = suspended
	c.Credentials = mergeCredentials(creds, c.Credentials)
	return nil
}

// yamlError puts yaml.v3's errors on one line, an unknown key as
// "line 3: unknown key "topc"".
func yamlError(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	s = unknownField.ReplaceAllString(s, `line $1: unknown key "$2"`)
	return strings.Join(strings.Fields(s), " ")
}
