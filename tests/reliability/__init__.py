"""Reliability suite: the mock as a real process under fuzzing, hostile input, kills and load."""
