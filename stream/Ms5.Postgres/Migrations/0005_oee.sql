-- OEE engine state (consumer group ms5.oee-engine): its own copy of the events it has seen (deduplicated,
-- the source every bucket is recomputed from) and the per-machine minute buckets of additive components.
CREATE TABLE oee_events (
    machine_id    text NOT NULL,
    ts            timestamptz NOT NULL,
    event_id      uuid NOT NULL,
    type          text NOT NULL,
    state         text,
    reason        text,
    good          bigint,
    reject        bigint,
    good_total    bigint,
    reject_total  bigint,
    PRIMARY KEY (machine_id, ts, event_id)
);

-- One row per machine and event-time minute; OEE for any range is a ratio of sums of these columns.
CREATE TABLE oee_minute (
    machine_id              text NOT NULL,
    minute                  timestamptz NOT NULL,
    calendar_seconds        double precision NOT NULL,
    planned_seconds         double precision NOT NULL,
    run_seconds             double precision NOT NULL,
    unplanned_stop_seconds  double precision NOT NULL,
    setup_seconds           double precision NOT NULL,
    micro_stop_seconds      double precision NOT NULL,
    planned_stop_seconds    double precision NOT NULL,
    good_count              bigint NOT NULL,
    reject_count            bigint NOT NULL,
    ideal_seconds           double precision NOT NULL,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (machine_id, minute)
);

-- How far each machine's buckets are complete (whole minutes before computed_to).
CREATE TABLE oee_progress (
    machine_id   text PRIMARY KEY,
    computed_to  timestamptz NOT NULL
);

COMMENT ON TABLE oee_minute IS 'Additive OEE components per machine and minute (event time). Sum columns, then divide: availability = run/planned, performance = ideal/run, quality = good/(good+reject).';
