"""Tests of mlpnas.strategies."""
