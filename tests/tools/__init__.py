"""Tests that run third-party tools (Prism, client generators, Schemathesis) on the spec and the mock."""
