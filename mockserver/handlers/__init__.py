"""operationId -> async handler, one module per spec (the relation API, the mock's admin API)."""
