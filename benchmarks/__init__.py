"""Benchmarks: speed and peak memory at several sizes, compile time excluded."""
