-- Downtime anomalies (issue 13): two more kinds, stops piling up over a shift and combinations the ML.NET model
-- finds rare. Names as AnomalyKinds.Name.
ALTER TABLE downtime_anomalies DROP CONSTRAINT downtime_anomalies_kind_check;
ALTER TABLE downtime_anomalies ADD CONSTRAINT downtime_anomalies_kind_check
    CHECK (kind IN ('long_stop', 'burst', 'unseen_reason', 'shift_pileup', 'unusual_pattern'));

-- The LightGbm re-ranker trained on users' labels (DowntimeReranker bytes), once there are enough; the ML.NET
-- pattern model stays in "model".
ALTER TABLE downtime_models ADD COLUMN reranker bytea;
COMMENT ON COLUMN downtime_models.model IS 'The ML.NET pattern model (DowntimePatternModel bytes), when there were enough stops';
