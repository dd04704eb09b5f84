"""The Hypothesis properties: promises no schema can express, each run to its first violation, with
the HTTP client, strategies and texts they share."""
