-- Recomputation requested after a plant's calendar changed (PUT /api/plant/calendar): the OEE ticker
-- reloads the plant configuration, moves the plant's machines' progress back to from_ts and recomputes.
CREATE TABLE oee_recompute (
    id            bigserial PRIMARY KEY,
    plant_id      text NOT NULL,
    from_ts       timestamptz NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now()
);
