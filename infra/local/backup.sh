# ./ms5 backup and ./ms5 restore DIR: sourced by ./ms5.
cmd_ms5_backup() { die "backup: not yet"; }
cmd_ms5_restore() { die "restore: not yet"; }
