-- Downtime anomaly flags (issue 13): versioned models per plant, each flag stored once, users' feedback on flags.
-- The format of these tables is defined in one place, AnomalyStore.cs. Plant data: ms5_reader may read them
-- (0007's default privileges), nothing to revoke.

-- One row per training run of a plant, numbered 1, 2, ... per plant. The newest 'ready' one is the model in use;
-- 'insufficient_history' and 'failed' runs are kept so the API can say why there is no (newer) model.
CREATE TABLE downtime_models (
    plant_id       text NOT NULL,
    version        int NOT NULL CHECK (version >= 1),
    trained_at     timestamptz NOT NULL,
    window_from    timestamptz NOT NULL,
    window_to      timestamptz NOT NULL CHECK (window_to > window_from),
    status         text NOT NULL CHECK (status IN ('ready', 'insufficient_history', 'failed')),
    status_detail  text,
    -- The stop features the model was built from (StopFeatures property names).
    features       jsonb NOT NULL DEFAULT '[]',
    -- Thresholds and options (BaselineOptions and the training checks).
    options        jsonb NOT NULL DEFAULT '{}',
    metrics        jsonb NOT NULL DEFAULT '{}',
    -- DowntimeBaseline.ToJson(); required when ready.
    baseline       jsonb,
    -- A later ML.NET model (its zip), when there is one.
    model          bytea,
    PRIMARY KEY (plant_id, version),
    CHECK (status <> 'ready' OR baseline IS NOT NULL)
);
CREATE INDEX downtime_models_ready ON downtime_models (plant_id, version DESC) WHERE status = 'ready';

COMMENT ON TABLE downtime_models IS 'Downtime anomaly models per plant and version; the newest ready one is used';

-- One row per flag: anomaly_id is AnomalyId.For(plant, machine, stop start, kind), so scoring the same stop again
-- (open, then closed; a second training; a replay) updates the row instead of adding one.
CREATE TABLE downtime_anomalies (
    anomaly_id     uuid PRIMARY KEY,
    plant_id       text NOT NULL,
    machine_id     text NOT NULL,
    line_id        text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('long_stop', 'burst', 'unseen_reason')),
    reason         text NOT NULL,
    stop_start     timestamptz NOT NULL,
    stop_end       timestamptz CHECK (stop_end IS NULL OR stop_end >= stop_start),
    is_open        boolean GENERATED ALWAYS AS (stop_end IS NULL) STORED,
    seconds        double precision NOT NULL CHECK (seconds >= 0),
    score          double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    flagged        boolean NOT NULL,
    explanation    text NOT NULL,
    model_version  int NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX downtime_anomalies_machine ON downtime_anomalies (machine_id, stop_start);
CREATE INDEX downtime_anomalies_line ON downtime_anomalies (line_id, stop_start);
CREATE INDEX downtime_anomalies_plant ON downtime_anomalies (plant_id, stop_start);

COMMENT ON TABLE downtime_anomalies IS 'Unusual stops (long, burst, unseen reason), one row per flag id; an open stop''s row is updated when it ends';

-- What users said about a flag; the newest row per anomaly is its label. A confirmed flag's stop is left out of
-- the next training.
CREATE TABLE downtime_anomaly_feedback (
    id             bigserial PRIMARY KEY,
    anomaly_id     uuid NOT NULL REFERENCES downtime_anomalies ON DELETE CASCADE,
    label          text NOT NULL CHECK (label IN ('confirmed', 'dismissed')),
    note           text,
    given_by       text NOT NULL,
    given_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX downtime_anomaly_feedback_anomaly ON downtime_anomaly_feedback (anomaly_id, given_at DESC);
