package api

// num is a number; numOrNull one the node may not know (null).
func num() obj       { return obj{"type": "number"} }
func numOrNull() obj { return obj{"type": []any{"number", "null"}} }

// statusSchema describes telemetry.Status.
func statusSchema() obj {
	latency := object(obj{"p50": numOrNull(), "p99": numOrNull()})
	return obj{
		"type":        "object",
		"description": "Computed in-process from the metrics registry every interval_seconds; no Prometheus needed. Rates are per second, latencies in seconds (null: nothing observed).",
		"properties": obj{
			"version": str(), "commit": str(), "started_at": dateTime(), "uptime_seconds": num(),
			"sampled_at": dateTime(), "interval_seconds": num(),
			"components": arrayOf(objectOpt(obj{"name": str(), "ready": boolean(), "error": str()}, "error")),
			"windows": arrayOf(object(obj{
				"minutes": obj{"type": "integer", "minimum": 1}, "seconds": num(),
				"messages_per_second": num(), "requests_per_second": num(), "deliveries_per_second": num(),
				"error_ratio": num(), "signin_failures": num(),
				"request_latency": latency, "delivery_latency": latency, "relay_lag": latency,
			})),
			"sse_connections": num(), "outbox_backlog": num(), "indexer_lag_events": num(),
			"consumers": arrayOf(object(obj{"name": str(), "pending": num(), "ack_pending": num()})),
			"streams":   arrayOf(object(obj{"name": str(), "messages": num(), "bytes": num()})),
			"storage": objectOpt(obj{
				"data_dir_free_bytes": numOrNull(), "data_dir_size_bytes": numOrNull(), "data_dir_free_percent": numOrNull(),
				"database_bytes": numOrNull(), "search_index_bytes": numOrNull(),
				"jetstream_bytes": numOrNull(), "jetstream_limit_bytes": numOrNull(),
				"certificate_expires_at": obj{"type": "number", "description": "Unix time the soonest managed certificate expires."},
				"certificate_domain":     str(),
			}, "certificate_expires_at", "certificate_domain"),
			"alerts": arrayOf(objectOpt(obj{
				"name": str(), "state": enum("pending", "firing"), "severity": enum("warning", "critical"),
				"summary": str(), "value": num(), "active_since": dateTime(), "firing_since": dateTime(),
			}, "firing_since")),
			"series": arrayOf(object(obj{
				"at": dateTime(), "messages_per_second": num(), "requests_per_second": num(), "deliveries_per_second": num(),
				"request_p50": numOrNull(), "request_p99": numOrNull(), "delivery_p99": numOrNull(), "relay_lag_p99": numOrNull(),
				"sse_connections": num(), "outbox_backlog": num(), "indexer_lag_events": num(),
			})),
		},
		"required": []string{"version", "commit", "started_at", "uptime_seconds", "sampled_at", "interval_seconds",
			"components", "windows", "sse_connections", "outbox_backlog", "indexer_lag_events", "consumers", "streams",
			"storage", "alerts", "series"},
	}
}
