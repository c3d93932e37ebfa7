-- A decrease of either cumulative counter is a reset of both: a PLC clears its counters together,
-- so after a power cycle the new readings are the parts since the reset (CounterTracker does the same).
CREATE OR REPLACE VIEW counter_increments AS
SELECT event_id, machine_id, ts, good_total, reject_total,
       CASE WHEN prev_good IS NULL THEN 0 WHEN good_total < prev_good OR reject_total < prev_reject THEN good_total ELSE good_total - prev_good END AS good,
       CASE WHEN prev_reject IS NULL THEN 0 WHEN good_total < prev_good OR reject_total < prev_reject THEN reject_total ELSE reject_total - prev_reject END AS reject,
       (prev_good IS NOT NULL AND (good_total < prev_good OR reject_total < prev_reject)) AS is_reset
FROM (
    SELECT event_id, machine_id, ts, good_total, reject_total,
           lag(good_total) OVER w AS prev_good, lag(reject_total) OVER w AS prev_reject
    FROM raw_events WHERE type = 'counter'
    WINDOW w AS (PARTITION BY machine_id ORDER BY ts, event_id)
) c;
