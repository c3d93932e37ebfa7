-- Shift, day, week and range reports (README "Reports"). A series is one report's identity (kind, scope, span);
-- each regeneration after late data is a new revision, the old ones kept. Content is stored here (bytea): a
-- report is small (a line's PDF is a few hundred kB) and backups then carry it.
CREATE TABLE reports (
    report_id      uuid PRIMARY KEY,
    series_key     text NOT NULL,
    revision       int NOT NULL CHECK (revision >= 1),
    kind           text NOT NULL CHECK (kind IN ('shift', 'day', 'week', 'range')),
    plant_id       text NOT NULL,
    line_id        text,
    shift_name     text,
    day            date,
    from_ts        timestamptz NOT NULL,
    to_ts          timestamptz NOT NULL CHECK (to_ts > from_ts),
    status         text NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
    error          text,
    trigger        text NOT NULL CHECK (trigger IN ('schedule', 'request', 'revision')),
    requested_at   timestamptz NOT NULL DEFAULT now(),
    generated_at   timestamptz,
    -- What the report was built from: a hash of every machine's summed minute components and stop list.
    fingerprint    text,
    completeness   double precision,
    summary        jsonb,
    changes        jsonb NOT NULL DEFAULT '[]',
    file_name      text NOT NULL,
    pdf            bytea,
    csv            bytea,
    stops_csv      bytea,
    emailed_at     timestamptz,
    email_error    text,
    UNIQUE (series_key, revision)
);
CREATE INDEX reports_scope ON reports (plant_id, line_id, kind, from_ts DESC);
CREATE INDEX reports_pending ON reports (requested_at) WHERE status = 'pending';

COMMENT ON TABLE reports IS 'Generated reports, one row per revision (series_key + revision); PDF and CSV content in bytea';
COMMENT ON COLUMN reports.fingerprint IS 'Hash of the data the report was built from; a different hash for the same span means late data: a new revision';

-- Minutes the OEE engine recomputed behind its progress (late or replayed events, a stop that ended): the
-- reports host reads these to find reports whose data may have changed, and deletes what it has handled.
CREATE TABLE oee_bucket_changes (
    id            bigserial PRIMARY KEY,
    machine_id    text NOT NULL,
    first_minute  timestamptz NOT NULL,
    last_minute   timestamptz NOT NULL,
    -- clock_timestamp(): when the row was written, not when the engine's (possibly long) transaction began.
    recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX oee_bucket_changes_recorded ON oee_bucket_changes (recorded_at);
