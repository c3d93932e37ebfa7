-- When the engine last moved a machine's progress back because new events changed its current state
-- (a replay of history in flight); the ticker leaves a long stale tail alone until the replay pauses.
ALTER TABLE oee_progress ADD COLUMN touched_at timestamptz;
