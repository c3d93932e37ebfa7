-- Dead letters are an outbox. The PostgreSQL historian stores them in the batch's own transaction and
-- publishes them to the DLQ topic afterwards (dlq_published_at), so a DLQ topic that cannot be written
-- never holds back valid events, and each is published once it can be. Dead letters other producers sent
-- to the DLQ topic (HTTP ingest, file replay) are stored by the historian's DLQ consumer, already published.
-- Expand-only: older releases keep working against this table.
ALTER TABLE dead_letters
    ADD COLUMN message_key bytea,
    ADD COLUMN source_headers jsonb,
    ADD COLUMN dlq_published_at timestamptz;

UPDATE dead_letters SET dlq_published_at = received_at;

CREATE INDEX dead_letters_unpublished ON dead_letters (id) WHERE dlq_published_at IS NULL;
