-- Convenience for data scientists and ad-hoc psql: the accepted events without transport columns.
CREATE VIEW events AS
SELECT event_id, machine_id, ts, type, state, reason, good, reject, good_total, reject_total, received_at
FROM raw_events;

COMMENT ON VIEW events IS 'Accepted machine events (contract v1), one row per event; see raw_events for Kafka positions.';
