"""Helpers that several test modules share (not fixtures: those live in conftest.py)."""
