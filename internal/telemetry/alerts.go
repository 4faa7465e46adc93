package telemetry

import (
	"fmt"
	"math"
	"time"
)

// AlertRule is a built-in alert: a condition over the sampler's samples
// that must hold for For before the alert fires (pending until then), as
// a Prometheus rule's for: clause. The rules mirror
// deploy/prometheus/alerts.yml, so that an install without Prometheus is
// told the same things.
type AlertRule struct {
	Name     string
	Severity string
	For      time.Duration
	// eval returns the rule's value, whether the condition holds, and the
	// summary to send; ok is false when the data it needs is missing (the
	// rule then holds no longer).
	eval func(v alertView) (value float64, holds bool, summary string)
}

// alertView is what a rule evaluates: the newest sample and the one a
// window before it.
type alertView struct {
	newest sample
	back   func(d time.Duration) sample
}

// Alert states.
const (
	AlertPending  = "pending"
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Thresholds of the built-in rules.
const (
	errorRatioThreshold      = 0.05
	deliveryLagThreshold     = 2.0 // seconds, p99
	relayLagThreshold        = 5.0 // seconds, p99
	outboxBacklogThreshold   = 0
	indexerLagThreshold      = 1000 // events
	diskFreePercentThreshold = 10
	jetStreamUsedThreshold   = 85 // percent of the limit
	certExpiryThreshold      = 14 * 24 * time.Hour
	signInFailureThreshold   = 100 // in 5 minutes
	ruleWindow               = 5 * time.Minute
)

// DefaultAlertRules returns the built-in rules, every For multiplied by
// forScale (1 in production; tests shorten it).
func DefaultAlertRules(forScale float64) []AlertRule {
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * forScale) }
	return []AlertRule{
		{Name: "FechatterHighErrorRate", Severity: "warning", For: scaled(10 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			w := windowStats(v.newest, v.back(ruleWindow), 5)
			return w.ErrorRatio, w.ErrorRatio > errorRatioThreshold,
				fmt.Sprintf("%.1f%% of HTTP requests failed with 5xx over the last 5 minutes", 100*w.ErrorRatio)
		}},
		{Name: "FechatterDeliveryLagHigh", Severity: "warning", For: scaled(10 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			p99 := v.newest.hists[seriesDeliveryDuration].sub(v.back(ruleWindow).hists[seriesDeliveryDuration]).quantile(.99)
			return p99, p99 > deliveryLagThreshold,
				fmt.Sprintf("p99 time from commit to SSE delivery is %.1fs over the last 5 minutes", p99)
		}},
		{Name: "FechatterRelayLagHigh", Severity: "warning", For: scaled(5 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			p99 := v.newest.hists[seriesRelayLag].sub(v.back(ruleWindow).hists[seriesRelayLag]).quantile(.99)
			return p99, p99 > relayLagThreshold,
				fmt.Sprintf("p99 outbox relay lag (commit to JetStream ack) is %.1fs over the last 5 minutes", p99)
		}},
		{Name: "FechatterOutboxBacklog", Severity: "critical", For: scaled(5 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			n := v.newest.gauges[seriesOutboxBacklog]
			return n, n > outboxBacklogThreshold, fmt.Sprintf("%.0f outbox events are waiting to be published", n)
		}},
		{Name: "FechatterIndexerLagHigh", Severity: "warning", For: scaled(10 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			n := v.newest.gauges[seriesIndexLag]
			return n, n > indexerLagThreshold, fmt.Sprintf("the search indexer is %.0f events behind the stream", n)
		}},
		{Name: "FechatterDiskNearlyFull", Severity: "critical", For: scaled(10 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			size := v.newest.gauges[seriesDiskSize]
			if size <= 0 {
				return 0, false, ""
			}
			pct := 100 * v.newest.gauges[seriesDiskFree] / size
			return pct, pct < diskFreePercentThreshold, fmt.Sprintf("only %.1f%% of the data directory's disk is free", pct)
		}},
		{Name: "FechatterJetStreamStorageNearlyFull", Severity: "warning", For: scaled(10 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			limit := v.newest.gauges[seriesJetStreamLimit]
			if limit <= 0 {
				return 0, false, ""
			}
			pct := 100 * v.newest.gauges[seriesJetStreamUsed] / limit
			return pct, pct > jetStreamUsedThreshold, fmt.Sprintf("JetStream uses %.1f%% of its storage limit", pct)
		}},
		{Name: "FechatterCertificateExpiringSoon", Severity: "warning", For: scaled(time.Hour), eval: func(v alertView) (float64, bool, string) {
			domains, expiry := v.newest.labelled(seriesCertExpiry)
			soonest, domain := 0.0, ""
			for _, d := range domains {
				if domain == "" || expiry[d] < soonest {
					soonest, domain = expiry[d], d
				}
			}
			if domain == "" {
				return 0, false, ""
			}
			left := time.Unix(int64(soonest), 0).Sub(v.newest.at)
			return left.Seconds(), left < certExpiryThreshold,
				fmt.Sprintf("the certificate for %s expires in %.1f days", domain, left.Hours()/24)
		}},
		{Name: "FechatterSignInFailureSpike", Severity: "warning", For: scaled(5 * time.Minute), eval: func(v alertView) (float64, bool, string) {
			n := counterDelta(v.newest, v.back(ruleWindow), seriesSignInFailures)
			return n, n > signInFailureThreshold, fmt.Sprintf("%.0f failed sign-ins in the last 5 minutes", n)
		}},
	}
}

// AlertNotice is a built-in alert changing state: firing or resolved. It is
// also the JSON body POSTed to alerts.webhook_url.
type AlertNotice struct {
	Alert    string  `json:"alert"`
	State    string  `json:"state"`
	Severity string  `json:"severity"`
	Summary  string  `json:"summary"`
	Value    float64 `json:"value"`
	// StartedAt is when the condition began to hold; EndsAt when it
	// stopped (resolved notices only).
	StartedAt time.Time  `json:"started_at"`
	EndsAt    *time.Time `json:"ends_at"`
	// Instance names the node (cluster.node_name, else the host name).
	Instance string `json:"instance"`
}

// Text is the notice as a chat message.
func (n AlertNotice) Text() string {
	if n.State == AlertResolved {
		return fmt.Sprintf("RESOLVED %s on %s (was %s, active since %s): %s",
			n.Alert, n.Instance, n.Severity, n.StartedAt.UTC().Format(time.RFC3339), n.Summary)
	}
	return fmt.Sprintf("FIRING %s on %s (%s, active since %s): %s",
		n.Alert, n.Instance, n.Severity, n.StartedAt.UTC().Format(time.RFC3339), n.Summary)
}

// alertTracker is one rule's state between evaluations.
type alertTracker struct {
	state       string // "" (inactive), pending or firing
	activeSince time.Time
	firingSince time.Time
	value       float64
	summary     string
}

// evaluate moves t on by one evaluation of r at now and returns the notice
// to send, if the alert fired or resolved.
func (t *alertTracker) evaluate(r AlertRule, v alertView, now time.Time, instance string) (AlertNotice, bool) {
	value, holds, summary := r.eval(v)
	if math.IsNaN(value) || math.IsInf(value, 0) {
		value = 0 // JSON has no NaN; a rule holding on NaN never holds
	}
	if !holds {
		was := *t
		*t = alertTracker{}
		if was.state != AlertFiring {
			return AlertNotice{}, false
		}
		end := now
		return AlertNotice{Alert: r.Name, State: AlertResolved, Severity: r.Severity, Summary: was.summary,
			Value: value, StartedAt: was.activeSince, EndsAt: &end, Instance: instance}, true
	}
	t.value, t.summary = value, summary
	if t.state == "" {
		t.state, t.activeSince = AlertPending, now
	}
	if t.state == AlertPending && now.Sub(t.activeSince) >= r.For {
		t.state, t.firingSince = AlertFiring, now
		return AlertNotice{Alert: r.Name, State: AlertFiring, Severity: r.Severity, Summary: summary,
			Value: value, StartedAt: t.activeSince, Instance: instance}, true
	}
	return AlertNotice{}, false
}

// alertState is t as the status API shows it; ok is false when inactive.
func (t alertTracker) alertState(r AlertRule) (AlertState, bool) {
	if t.state == "" {
		return AlertState{}, false
	}
	a := AlertState{Name: r.Name, State: t.state, Severity: r.Severity, Summary: t.summary,
		Value: t.value, ActiveSince: t.activeSince}
	if t.state == AlertFiring {
		since := t.firingSince
		a.FiringSince = &since
	}
	return a, true
}
