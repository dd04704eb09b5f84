"""Where entities live: in memory, or in SQLite for `--state` and `--workers`; the state file's
checks and the fixtures a store starts with."""
