"""Tests of mlpnas.spaces."""
