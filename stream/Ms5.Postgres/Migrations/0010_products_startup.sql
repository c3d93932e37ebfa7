-- Contract v1 extension: an optional "product" on state events (the product the machine makes from then on,
-- until a later state event names another), and start-up rejects per OEE minute.
ALTER TABLE raw_events ADD COLUMN product text;
COMMENT ON COLUMN raw_events.product IS 'state events: the product the machine makes from this event on (NULL: unchanged)';
ALTER TABLE oee_events ADD COLUMN product text;
-- The engine looks up the product in force before a range: the latest state event that names one.
CREATE INDEX oee_events_product ON oee_events (machine_id, ts) WHERE product IS NOT NULL;

ALTER TABLE oee_minute ADD COLUMN startup_reject_count bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN oee_minute.startup_reject_count IS 'rejects made in a start-up period (running with a reason of category startup); included in reject_count';

CREATE OR REPLACE VIEW events AS
SELECT event_id, machine_id, ts, type, state, reason, good, reject, good_total, reject_total, received_at, product
FROM raw_events;

CREATE OR REPLACE VIEW oee_machine_hourly AS
SELECT b.machine_id, m.line_id, m.plant_id, date_trunc('hour', b.minute) AS hour,
       sum(b.planned_seconds) AS planned_seconds, sum(b.run_seconds) AS run_seconds,
       sum(b.unplanned_stop_seconds) AS unplanned_stop_seconds, sum(b.setup_seconds) AS setup_seconds,
       sum(b.micro_stop_seconds) AS micro_stop_seconds, sum(b.planned_stop_seconds) AS planned_stop_seconds,
       sum(b.good_count) AS good_count, sum(b.reject_count) AS reject_count, sum(b.ideal_seconds) AS ideal_seconds,
       sum(b.failure_count) AS failure_count,
       sum(b.run_seconds) / nullif(sum(b.planned_seconds), 0) AS availability,
       sum(b.ideal_seconds) / nullif(sum(b.run_seconds), 0) AS performance,
       sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0) AS quality,
       (sum(b.ideal_seconds) / nullif(sum(b.planned_seconds), 0))
         * (sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0)) AS oee,
       sum(b.startup_reject_count) AS startup_reject_count
FROM oee_minute b JOIN machines m ON m.machine_id = b.machine_id
GROUP BY b.machine_id, m.line_id, m.plant_id, date_trunc('hour', b.minute);

-- Views replaced above keep their grants; a new column needs none.
