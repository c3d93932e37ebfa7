-- The engine's count chunks (0024) without pglz: a chunk of a busy machine's minute (about 50 events and more) passed
-- PostgreSQL's 2 kB threshold and its arrays were compressed with pglz on insert (random event ids do not compress):
-- pglz was PostgreSQL's hottest function in a 1M-event drain (perf, docs/engine-compact-store.md). A chunk row now stays
-- in its page uncompressed up to 8,160 bytes (about 200 events); a bigger one is compressed with lz4 where the server
-- has it (PostgreSQL 14+ built with lz4; otherwise pglz stays, with a notice). Only rows written from now on change;
-- stored rows stay readable as they are.
ALTER TABLE oee_count_chunks SET (toast_tuple_target = 8160);

DO $$
BEGIN
    ALTER TABLE oee_count_chunks ALTER COLUMN event_ids SET COMPRESSION lz4, ALTER COLUMN ts SET COMPRESSION lz4,
        ALTER COLUMN counter SET COMPRESSION lz4, ALTER COLUMN a SET COMPRESSION lz4, ALTER COLUMN b SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
    RAISE NOTICE 'oee_count_chunks keeps pglz compression: %', SQLERRM;
END $$;
