-- Andons: one row per occurrence of a rule's condition on a machine (id derived from rule, machine and the
-- condition's start, so re-evaluating the same events never makes a second one), and every transition.
CREATE TABLE andons (
    andon_id      uuid PRIMARY KEY,
    plant_id      text NOT NULL,
    line_id       text NOT NULL,
    machine_id    text NOT NULL,
    rule_id       text NOT NULL,
    kind          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    summary       text NOT NULL,
    since         timestamptz NOT NULL,
    raised_at     timestamptz NOT NULL,
    raised_by     text NOT NULL,
    level         int NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 3),
    acked_at      timestamptz,
    acked_by      text,
    resolved_at   timestamptz,
    resolved_by   text,
    resolution    text CHECK (resolution IN ('cleared', 'manual')),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- What Alertmanager was last told: the firing level (NULL: nothing firing posted) and when.
    am_level      int,
    am_resolved   boolean NOT NULL DEFAULT false,
    am_posted_at  timestamptz
);
CREATE INDEX andons_active ON andons (line_id, machine_id) WHERE resolved_at IS NULL;
CREATE INDEX andons_raised ON andons (raised_at);
CREATE INDEX andons_unsynced ON andons (updated_at) WHERE NOT am_resolved;

CREATE TABLE andon_transitions (
    andon_id     uuid NOT NULL REFERENCES andons ON DELETE CASCADE,
    transition   text NOT NULL CHECK (transition IN ('raised', 'escalated', 'acknowledged', 'resolved')),
    level        int NOT NULL,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    note         text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (andon_id, transition, level)
);

COMMENT ON TABLE andons IS 'Andons (see README "Andon"): raised -> escalated (levels 1..3) -> acknowledged -> resolved; times in event time';
COMMENT ON TABLE andon_transitions IS 'Every Andon transition once, with its time and actor (system or an operator)';
