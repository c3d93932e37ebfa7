-- Documented views for data scientists (see README "Query the historian") and a read-only role.

-- OEE components and ratios per machine and hour (ratios of sums, never averages).
CREATE VIEW oee_machine_hourly AS
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
         * (sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0)) AS oee
FROM oee_minute b JOIN machines m ON m.machine_id = b.machine_id
GROUP BY b.machine_id, m.line_id, m.plant_id, date_trunc('hour', b.minute);

-- The same per line and hour.
CREATE VIEW oee_line_hourly AS
SELECT m.line_id, m.plant_id, date_trunc('hour', b.minute) AS hour,
       sum(b.planned_seconds) AS planned_seconds, sum(b.run_seconds) AS run_seconds,
       sum(b.good_count) AS good_count, sum(b.reject_count) AS reject_count, sum(b.ideal_seconds) AS ideal_seconds,
       sum(b.run_seconds) / nullif(sum(b.planned_seconds), 0) AS availability,
       sum(b.ideal_seconds) / nullif(sum(b.run_seconds), 0) AS performance,
       sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0) AS quality,
       (sum(b.ideal_seconds) / nullif(sum(b.planned_seconds), 0))
         * (sum(b.good_count)::float8 / nullif(sum(b.good_count + b.reject_count), 0)) AS oee
FROM oee_minute b JOIN machines m ON m.machine_id = b.machine_id
GROUP BY m.line_id, m.plant_id, date_trunc('hour', b.minute);

-- Stops (anything but running), with their length; end_ts NULL while the stop lasts.
CREATE VIEW stop_events AS
SELECT si.machine_id, m.line_id, si.state, si.reason, rc.category AS reason_category, si.start_ts, si.end_ts,
       extract(epoch FROM coalesce(si.end_ts, now()) - si.start_ts) AS seconds
FROM state_intervals si
JOIN machines m ON m.machine_id = si.machine_id
LEFT JOIN reason_codes rc ON rc.plant_id = m.plant_id AND rc.code = si.reason
WHERE si.state <> 'running';

-- A read-only role for analysts: log in with it (or GRANT ms5_reader TO someone) to query safely.
-- On a managed server where MS5's user may not create roles, this is skipped with a notice.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ms5_reader') THEN
        -- A role belongs to the whole server: two databases migrating at the same moment both see it missing.
        BEGIN
            CREATE ROLE ms5_reader LOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    GRANT USAGE ON SCHEMA public TO ms5_reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ms5_reader;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ms5_reader;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'ms5_reader not created or granted: %', SQLERRM;
END $$;
