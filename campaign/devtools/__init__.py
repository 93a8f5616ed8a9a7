"""Development tooling of the platform (a package, not an app): child processes for
`runall`, the benchmarks and the live tests (processes), the benchmark harness
(benchmarking) and the synthetic data generator behind `generate_data` (datagen).

The running platform only reads the tables the core declares to the generator
(campaign/contributions.py); the rest serves management commands, benchmarks and tests.
"""
