"""Servers the contract suite is tested against: a realistic variant of the mock and broken ones."""
