-- Plant configuration through the API (issue 15). The stored plant JSON stays the one source of truth;
-- config_source says whether it was last written by a plant file ('file', with the file's SHA-256) or by the
-- API ('api'): `migrate --plant FILE` replaces an API-edited plant only when the file changed since it was
-- last loaded, or when told to (--replace).
ALTER TABLE plants ADD COLUMN config_source text NOT NULL DEFAULT 'file' CHECK (config_source IN ('file', 'api'));
ALTER TABLE plants ADD COLUMN file_sha256 text;
ALTER TABLE plants ADD COLUMN version integer NOT NULL DEFAULT 1;

-- Every version of every plant's configuration: who changed what, when (the full JSON of each version).
CREATE TABLE plant_config_history (
    plant_id    text NOT NULL,
    version     integer NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL,
    source      text NOT NULL CHECK (source IN ('file', 'api')),
    summary     text NOT NULL,
    config      jsonb NOT NULL,
    PRIMARY KEY (plant_id, version)
);

-- Versions already loaded become version 1 of their history.
INSERT INTO plant_config_history (plant_id, version, changed_at, changed_by, source, summary, config)
SELECT plant_id, 1, loaded_at, 'migrate', 'file', 'loaded from a plant file', config FROM plants;

-- A recompute request may name one machine (an ideal cycle time changed with recomputeFrom); null: the whole plant.
ALTER TABLE oee_recompute ADD COLUMN machine_id text;
