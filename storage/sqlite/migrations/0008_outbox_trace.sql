-- The W3C traceparent of the span that wrote an event ('' outside a
-- trace), so the relay's publish and the consumers continue its trace.
ALTER TABLE outbox ADD COLUMN trace_parent TEXT NOT NULL DEFAULT '';
