"""Tests of mlpnas.storage."""
