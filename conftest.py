"""Shared fixtures: a small help desk with named people in every role (see opora/core/testing.py)."""

pytest_plugins = ["opora.core.testing"]
