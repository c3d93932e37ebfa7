-- Unplanned stops (not micro-stops) beginning in each minute: MTBF = run / failures, MTTR = unplanned stop / failures.
ALTER TABLE oee_minute ADD COLUMN failure_count bigint NOT NULL DEFAULT 0;
