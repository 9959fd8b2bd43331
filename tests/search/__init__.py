"""Tests of mlpnas.search."""
