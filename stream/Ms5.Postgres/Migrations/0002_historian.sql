-- Raw machine events, exactly as accepted (contract v1). Time-partitioned: TimescaleDB hypertable
-- (1-day chunks) when the extension is loaded, else native monthly range partitions that the
-- historian creates on demand. Unique keys on partitioned tables must contain the partition column,
-- so the idempotency key is (event_id, ts): a replayed event (same id, same ts) is stored once.
DO $$
DECLARE
    has_timescale boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
        AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%';
BEGIN
    IF has_timescale THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        CREATE TABLE raw_events (
            event_id uuid NOT NULL, machine_id text NOT NULL, ts timestamptz NOT NULL, type text NOT NULL,
            state text, reason text, good bigint, reject bigint, good_total bigint, reject_total bigint,
            kafka_partition int, kafka_offset bigint, received_at timestamptz NOT NULL,
            PRIMARY KEY (event_id, ts));
        PERFORM create_hypertable('raw_events', 'ts', chunk_time_interval => interval '1 day');
    ELSE
        CREATE TABLE raw_events (
            event_id uuid NOT NULL, machine_id text NOT NULL, ts timestamptz NOT NULL, type text NOT NULL,
            state text, reason text, good bigint, reject bigint, good_total bigint, reject_total bigint,
            kafka_partition int, kafka_offset bigint, received_at timestamptz NOT NULL,
            PRIMARY KEY (event_id, ts)) PARTITION BY RANGE (ts);
    END IF;
END $$;

ALTER TABLE raw_events ADD CONSTRAINT raw_events_type_check CHECK (type IN ('state', 'count', 'counter'));
CREATE INDEX raw_events_machine_ts ON raw_events (machine_id, ts);

COMMENT ON TABLE raw_events IS 'Machine events as accepted (contract v1). One row per (event_id, ts).';
COMMENT ON COLUMN raw_events.good IS 'count events: good parts since the previous count event';
COMMENT ON COLUMN raw_events.good_total IS 'counter events: cumulative PLC counter (see counter_increments for deltas)';

-- One row per state event: the state holds over [start_ts, end_ts); end_ts is NULL for the current state.
CREATE TABLE state_intervals (
    machine_id  text NOT NULL,
    start_ts    timestamptz NOT NULL,
    end_ts      timestamptz,
    state       text NOT NULL,
    reason      text,
    event_id    uuid NOT NULL,
    PRIMARY KEY (machine_id, start_ts, event_id)
);

-- Kafka offsets of the PostgreSQL consumers, written in the same transaction as their rows.
-- cluster_key tells one Kafka cluster from another: the dev broker comes back empty on a new port.
CREATE TABLE kafka_offsets (
    consumer_group  text NOT NULL,
    topic           text NOT NULL,
    partition       int NOT NULL,
    next_offset     bigint NOT NULL,
    cluster_key     text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- Every rejected message, once per source offset, with all its problems and its original bytes.
CREATE TABLE dead_letters (
    id                bigserial PRIMARY KEY,
    received_at       timestamptz NOT NULL DEFAULT now(),
    stage             text NOT NULL,
    source_topic      text NOT NULL,
    source_partition  int NOT NULL,
    source_offset     bigint NOT NULL,
    machine_id        text,
    reason            text NOT NULL,
    problems          jsonb NOT NULL,
    payload           bytea,
    UNIQUE (stage, source_topic, source_partition, source_offset)
);

-- Part increments from cumulative counters, in event time; a decrease is a reset (the new reading
-- counts from zero), the first reading of a machine is the baseline.
CREATE VIEW counter_increments AS
SELECT event_id, machine_id, ts, good_total, reject_total,
       CASE WHEN prev_good IS NULL THEN 0 WHEN good_total >= prev_good THEN good_total - prev_good ELSE good_total END AS good,
       CASE WHEN prev_reject IS NULL THEN 0 WHEN reject_total >= prev_reject THEN reject_total - prev_reject ELSE reject_total END AS reject,
       (prev_good IS NOT NULL AND (good_total < prev_good OR reject_total < prev_reject)) AS is_reset
FROM (
    SELECT event_id, machine_id, ts, good_total, reject_total,
           lag(good_total) OVER w AS prev_good, lag(reject_total) OVER w AS prev_reject
    FROM raw_events WHERE type = 'counter'
    WINDOW w AS (PARTITION BY machine_id ORDER BY ts, event_id)
) c;

-- All parts, whichever way the machine reports them.
CREATE VIEW part_counts AS
SELECT event_id, machine_id, ts, good, reject FROM raw_events WHERE type = 'count'
UNION ALL
SELECT event_id, machine_id, ts, good, reject FROM counter_increments;
