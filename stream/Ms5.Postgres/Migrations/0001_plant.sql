-- Plant configuration as loaded from the plant file (infra/plants/README.md).
CREATE TABLE plants (
    plant_id    text PRIMARY KEY,
    name        text NOT NULL,
    time_zone   text NOT NULL,
    config      jsonb NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lines (
    line_id   text PRIMARY KEY,
    plant_id  text NOT NULL REFERENCES plants ON DELETE CASCADE,
    name      text NOT NULL
);

-- Machines are never deleted (their history stays meaningful); a reload marks missing ones inactive.
CREATE TABLE machines (
    machine_id           text PRIMARY KEY,
    line_id              text NOT NULL,
    plant_id             text NOT NULL,
    name                 text NOT NULL,
    ideal_cycle_seconds  double precision NOT NULL CHECK (ideal_cycle_seconds > 0),
    count_mode           text NOT NULL CHECK (count_mode IN ('increment', 'cumulative')),
    reason_codes         text[] NOT NULL DEFAULT '{}',
    active               boolean NOT NULL DEFAULT true
);

CREATE TABLE reason_codes (
    plant_id     text NOT NULL REFERENCES plants ON DELETE CASCADE,
    code         text NOT NULL,
    category     text NOT NULL,
    description  text NOT NULL,
    PRIMARY KEY (plant_id, code)
);

CREATE TABLE shift_patterns (
    plant_id    text NOT NULL REFERENCES plants ON DELETE CASCADE,
    name        text NOT NULL,
    days        text[] NOT NULL,
    start_time  time NOT NULL,
    end_time    time NOT NULL,
    breaks      jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (plant_id, name)
);

CREATE TABLE holidays (
    plant_id  text NOT NULL REFERENCES plants ON DELETE CASCADE,
    day       date NOT NULL,
    PRIMARY KEY (plant_id, day)
);
