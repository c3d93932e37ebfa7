-- Temporary plants (POST /api/plants with "temporary": true, e.g. the UAT suite's): only they may be deleted with all
-- their data (DELETE /api/plants/{id}); plants with production history are kept.
ALTER TABLE plants ADD COLUMN temporary boolean NOT NULL DEFAULT false;
