-- Production orders (README "Production orders"): planned -> released -> running -> completed | cancelled.
-- Progress is never stored: it is summed from oee_minute over the order's machines and [actual_start, actual_end or now).
CREATE TABLE orders (
    order_id          text PRIMARY KEY,
    plant_id          text NOT NULL,
    product           text NOT NULL,
    target_quantity   bigint NOT NULL CHECK (target_quantity > 0),
    line_id           text,
    machine_ids       text[] NOT NULL CHECK (cardinality(machine_ids) > 0),
    planned_start     timestamptz NOT NULL,
    planned_end       timestamptz NOT NULL,
    note              text,
    status            text NOT NULL CHECK (status IN ('planned', 'released', 'running', 'completed', 'cancelled')),
    actual_start      timestamptz,
    actual_end        timestamptz,
    last_transition_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        text NOT NULL,
    version           int NOT NULL DEFAULT 1,
    CHECK (planned_end > planned_start),
    CHECK (actual_end IS NULL OR (actual_start IS NOT NULL AND actual_end >= actual_start))
);
-- Which orders touch a machine (conflict checks, the engine's automatic start) and the open ones per plant.
CREATE INDEX orders_machines ON orders USING gin (machine_ids);
CREATE INDEX orders_open ON orders (plant_id, planned_start) WHERE status IN ('planned', 'released', 'running');
CREATE INDEX orders_line ON orders (line_id, planned_start);

-- Every change of an order, in order (seq from 1), with the business time of a transition (at), when it was recorded,
-- who did it and what changed (before/after hold only the changed fields; before is NULL for created), and the whole
-- order after the change (snapshot: the "order" of the ms5.orders.v1 message, so the outbox is self-contained).
-- published: the outbox flag; the engine publishes unpublished rows on ms5.orders.v1 and marks them.
CREATE TABLE order_history (
    order_id     text NOT NULL REFERENCES orders ON DELETE CASCADE,
    seq          int NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('created', 'updated', 'released', 'started', 'completed', 'cancelled')),
    at           timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor        text NOT NULL,
    before       jsonb,
    after        jsonb NOT NULL,
    snapshot     jsonb NOT NULL,
    published    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (order_id, seq)
);
CREATE INDEX order_history_outbox ON order_history (recorded_at) WHERE NOT published;

COMMENT ON TABLE orders IS 'Production orders; one running order per machine and no overlapping open plans per machine are enforced by OrderStore under per-machine advisory locks';
COMMENT ON COLUMN orders.machine_ids IS 'the machines the order runs on; for a line order the line''s active machines when it was created';
COMMENT ON TABLE order_history IS 'Every order change (audit trail and outbox of ms5.orders.v1 lifecycle messages)';
