"""Showing a run: the terminal, Markdown and JUnit reports, the lines they share, the curl that
reproduces a request, and what a validating proxy saw."""
