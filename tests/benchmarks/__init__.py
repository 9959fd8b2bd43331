"""Tests of mlpnas.benchmarks."""
