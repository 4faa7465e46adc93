package telemetry

import (
	"os"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestBuiltInRulesMatchShippedRules keeps the in-process alerts and
// deploy/prometheus/alerts.yml the same rules: every built-in rule exists
// there with the same for: duration and severity (FechatterDown, a failed
// scrape, exists only for Prometheus).
func TestBuiltInRulesMatchShippedRules(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert  string            `yaml:"alert"`
				For    string            `yaml:"for"`
				Labels map[string]string `yaml:"labels"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	type shipped struct {
		forDur   time.Duration
		severity string
	}
	rules := map[string]shipped{}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			d, err := time.ParseDuration(r.For)
			if err != nil {
				t.Fatalf("%s: for %q: %v", r.Alert, r.For, err)
			}
			rules[r.Alert] = shipped{d, r.Labels["severity"]}
		}
	}
	builtIn := DefaultAlertRules(1)
	for _, r := range builtIn {
		s, ok := rules[r.Name]
		if !ok {
			t.Errorf("built-in rule %s is not in alerts.yml", r.Name)
			continue
		}
		if s.forDur != r.For || s.severity != r.Severity {
			t.Errorf("%s: built in for %s severity %s, alerts.yml for %s severity %s", r.Name, r.For, r.Severity, s.forDur, s.severity)
		}
		delete(rules, r.Name)
	}
	delete(rules, "FechatterDown")
	for name := range rules {
		t.Errorf("alerts.yml rule %s has no built-in twin", name)
	}
}
