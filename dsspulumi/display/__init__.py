"""Rendering of plans, progress and results: rich for people, plain dicts for --json."""
