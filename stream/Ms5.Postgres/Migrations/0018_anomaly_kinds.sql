-- Downtime anomalies (issue 13): two more kinds, stops piling up over a shift and combinations the ML.NET model
-- finds rare. Names as AnomalyKinds.Name.
ALTER TABLE downtime_anomalies DROP CONSTRAINT downtime_anomalies_kind_check;
ALTER TABLE downtime_anomalies ADD CONSTRAINT downtime_anomalies_kind_check
    CHECK (kind IN ('long_stop', 'burst', 'unseen_reason', 'shift_pileup', 'unusual_pattern'));
