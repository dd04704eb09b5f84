"""Running stock Schemathesis on the spec: its processes, its hooks (where a request may go on a real
tenant, what is rewritten and set aside), its checks, and reading its events back."""
