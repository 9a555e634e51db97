"""Realistic, deterministic NBA data for the local stack and the tests.

``generate(seed)`` builds every raw table in memory (same seed, same rows);
``load(...)`` writes them to the warehouse with one load job per table. See
``schedule.py`` for the calendar rules and ``boxscores.py`` for the box scores.
"""
