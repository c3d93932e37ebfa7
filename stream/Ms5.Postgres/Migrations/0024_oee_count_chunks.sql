-- ms5:expand-safe: oee_events is renamed but stays readable and writable under its old name, a view with the same columns over the new tables, whose INSTEAD OF trigger takes an older release's COPY and INSERT and skips duplicates
-- The OEE engine's compact exact store (issue 17, docs/engine-compact-store.md). Count and counter events, ~97 % of
-- the traffic, are no longer a row each: every engine batch appends one chunk per machine and event-time minute
-- it brings such events for, their fields as arrays. State events, and any event naming a product or a reason,
-- stay rows (oee_event_rows). The old name oee_events is a view over both, so every reader keeps working.
ALTER TABLE oee_events RENAME TO oee_event_rows;

CREATE TABLE oee_count_chunks (
    machine_id  text NOT NULL,
    minute      timestamptz NOT NULL,
    -- The machine's event version of the batch that wrote the chunk (oee_event_versions): one chunk per machine,
    -- minute and batch. A minute's events are the union of its chunks and of the rows in it.
    version     bigint NOT NULL,
    first_ts    timestamptz NOT NULL,
    last_ts     timestamptz NOT NULL,
    counters    integer NOT NULL,
    parts       integer NOT NULL,
    event_ids   uuid[] NOT NULL,
    ts          timestamptz[] NOT NULL,
    counter     boolean[] NOT NULL,
    a           bigint[] NOT NULL,
    b           bigint[] NOT NULL,
    PRIMARY KEY (machine_id, minute, version)
);

COMMENT ON TABLE oee_count_chunks IS 'OEE engine: count and counter events without state, reason or product, one row per machine, event-time minute and engine batch; arrays in (ts, event id) order';
COMMENT ON COLUMN oee_count_chunks.counters IS 'how many of the events are counter readings (the rest are counts)';
COMMENT ON COLUMN oee_count_chunks.parts IS 'how many of the events are counts with good + reject > 0';
COMMENT ON COLUMN oee_count_chunks.a IS 'good for a count, good_total for a counter reading';
COMMENT ON COLUMN oee_count_chunks.b IS 'reject for a count, reject_total for a counter reading';

-- "The last counter reading / count with parts before t" finds its minute through these (LoadManyAsync).
CREATE INDEX oee_count_chunks_counters ON oee_count_chunks (machine_id, minute) WHERE counters > 0;
CREATE INDEX oee_count_chunks_parts ON oee_count_chunks (machine_id, minute) WHERE parts > 0;

-- Every event the engine stored, in the shape of the old table.
CREATE VIEW oee_events AS
    SELECT machine_id, ts, event_id, type, state, reason, good, reject, good_total, reject_total, product FROM oee_event_rows
    UNION ALL
    SELECT c.machine_id, u.ts, u.id, CASE WHEN u.k THEN 'counter' ELSE 'count' END, NULL::text, NULL::text,
           CASE WHEN u.k THEN NULL ELSE u.a END, CASE WHEN u.k THEN NULL ELSE u.b END,
           CASE WHEN u.k THEN u.a END, CASE WHEN u.k THEN u.b END, NULL::text
    FROM oee_count_chunks c CROSS JOIN LATERAL unnest(c.event_ids, c.ts, c.counter, c.a, c.b) AS u(id, ts, k, a, b);

COMMENT ON VIEW oee_events IS 'Every event the OEE engine stored (deduplicated): the rows of oee_event_rows and the unnested oee_count_chunks';

-- Writes under the old name (an older release beside this one during a deploy, scripts): a row each, and an event
-- already stored (as a row or in a chunk) is skipped without an error (the old primary key raised one).
CREATE FUNCTION oee_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM oee_count_chunks c CROSS JOIN LATERAL unnest(c.event_ids, c.ts) AS u(id, ts)
               WHERE c.machine_id = NEW.machine_id AND c.minute = to_timestamp(floor(extract(epoch FROM NEW.ts) / 60) * 60)
                 AND u.id = NEW.event_id AND u.ts = NEW.ts) THEN
        RETURN NULL;
    END IF;
    INSERT INTO oee_event_rows (machine_id, ts, event_id, type, state, reason, good, reject, good_total, reject_total, product)
    VALUES (NEW.machine_id, NEW.ts, NEW.event_id, NEW.type, NEW.state, NEW.reason, NEW.good, NEW.reject, NEW.good_total, NEW.reject_total, NEW.product)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER oee_events_insert INSTEAD OF INSERT ON oee_events FOR EACH ROW EXECUTE FUNCTION oee_events_insert();
