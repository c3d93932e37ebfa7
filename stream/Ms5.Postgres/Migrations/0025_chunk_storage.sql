-- The engine's count chunks (0024) without pglz: a chunk of a busy machine's minute (about 50 events and more) passed
-- PostgreSQL's 2 kB threshold and its arrays were compressed with pglz on insert (random event ids do not compress):
-- pglz was PostgreSQL's hottest function in a 1M-event drain (perf, docs/engine-compact-store.md). A chunk row now stays
-- in its page uncompressed up to 8,160 bytes (about 200 events); a bigger one is compressed with lz4 where the server
-- has it (PostgreSQL 14+ built with lz4; otherwise pglz stays, with a notice). Only rows written from now on change;
-- stored rows stay readable as they are.
--
-- Applied beside a running engine (a deploy): each change waits at most 5 s for the table's lock (SET COMPRESSION needs
-- it exclusively; an engine batch or a long query through oee_events holds it shared) rather than queueing the
-- engine's writes and the board's reads behind it; when it cannot get it, it is skipped with a notice (only the
-- speed of later writes differs). Dynamic SQL, so that a server without the syntax (before 14) is caught too.
DO $$
BEGIN
    PERFORM set_config('lock_timeout', '5s', true);
    BEGIN
        EXECUTE 'ALTER TABLE oee_count_chunks SET (toast_tuple_target = 8160)';
    EXCEPTION WHEN lock_not_available OR syntax_error OR invalid_parameter_value THEN
        RAISE NOTICE 'oee_count_chunks keeps the default toast_tuple_target: %', SQLERRM;
    END;
    BEGIN
        EXECUTE 'ALTER TABLE oee_count_chunks ALTER COLUMN event_ids SET COMPRESSION lz4, ALTER COLUMN ts SET COMPRESSION lz4, '
             || 'ALTER COLUMN counter SET COMPRESSION lz4, ALTER COLUMN a SET COMPRESSION lz4, ALTER COLUMN b SET COMPRESSION lz4';
    EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value OR lock_not_available THEN
        RAISE NOTICE 'oee_count_chunks keeps pglz compression: %', SQLERRM;
    END;
    PERFORM set_config('lock_timeout', '0', true);
END $$;
