# Releases (.ms5/releases/<version>), the deploy proxy, ./ms5 deploy and ./ms5 rollback: sourced by ./ms5.
cmd_ms5_deploy() { die "deploy: not yet"; }
cmd_ms5_rollback() { die "rollback: not yet"; }
