package telemetry

import (
	"strings"
	"testing"
)

func TestRegistryGathersPrefixedMetrics(t *testing.T) {
	SetBuildInfo("v-test", "abc123", "go1.x")
	MessagesSent.Inc()
	families, err := Gatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range families {
		name := f.GetName()
		seen[name] = true
		if !strings.HasPrefix(name, "fechatter_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %q lacks the fechatter_ prefix", name)
		}
	}
	for _, want := range []string{"fechatter_messages_sent_total", "fechatter_build_info", "go_goroutines"} {
		if !seen[want] {
			t.Errorf("%s not gathered", want)
		}
	}
}
