-- Bumped in every OEE engine batch that may store events of a machine, under that machine's lock. An engine
-- instance trusts its in-memory copy of a machine's recent events only while the version is the one it
-- last wrote itself; anything else (another instance, a rolled-back batch) makes it reload from oee_events.
CREATE TABLE oee_event_versions (
    machine_id  text PRIMARY KEY,
    version     bigint NOT NULL
);
