"""The resource model, built from the spec at start-up: its operations and their roles, each
resource's entity (key, server-set fields, names), read from the spec's declarations."""
