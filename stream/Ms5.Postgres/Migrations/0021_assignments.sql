-- Operator assignments (issue 15): who runs which machine in which shift. A shift is named by the plant's local
-- production day it starts on and its name (as in the plant file's calendar), so a night shift after midnight and
-- the repeated autumn hour belong to the day the shift began. One operator per machine and shift; the format of
-- these tables is defined in one place, AssignmentStore.cs.
CREATE TABLE assignments (
    day          date NOT NULL,
    shift        text NOT NULL,
    machine_id   text NOT NULL,
    plant_id     text NOT NULL,
    line_id      text NOT NULL,
    user_name    text NOT NULL,
    assigned_at  timestamptz NOT NULL,
    assigned_by  text NOT NULL,
    PRIMARY KEY (day, shift, machine_id)
);
CREATE INDEX assignments_line ON assignments (day, line_id);

-- Every change, append-only: before and after (NULL: no assignment), who and when.
CREATE TABLE assignment_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day          date NOT NULL,
    shift        text NOT NULL,
    machine_id   text NOT NULL,
    plant_id     text NOT NULL,
    before_user  text,
    after_user   text,
    changed_at   timestamptz NOT NULL,
    changed_by   text NOT NULL
);
CREATE INDEX assignment_history_slot ON assignment_history (day, shift, machine_id, id);

CREATE FUNCTION assignment_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'assignment_history is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER assignment_history_no_update_delete BEFORE UPDATE OR DELETE ON assignment_history FOR EACH ROW EXECUTE FUNCTION assignment_history_append_only();
CREATE TRIGGER assignment_history_no_truncate BEFORE TRUNCATE ON assignment_history FOR EACH STATEMENT EXECUTE FUNCTION assignment_history_append_only();

-- The operator assigned to the machine for the shift in force when the Andon was raised (NULL: none, or a line-level
-- Andon). Fixed at raising: a later change of the assignment does not rewrite who was on the machine then.
ALTER TABLE andons ADD COLUMN assignee text;
