"""Tests of mlpnas.analysis."""
