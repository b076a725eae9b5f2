"""Benchmark harnesses; results are recorded in docs/benchmarks.md."""
