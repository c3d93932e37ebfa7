# Environments (infra/env/staging.env, infra/env/production.env): sourced by ./ms5.
