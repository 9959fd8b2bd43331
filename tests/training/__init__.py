"""Tests of mlpnas.training."""
