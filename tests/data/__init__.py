"""Tests of mlpnas.data."""
