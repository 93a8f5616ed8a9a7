"""Development tooling of the platform (a package, not an app): child processes for
`runall`, the benchmarks and the live tests (processes), the benchmark harness
(benchmarking) and the synthetic data generator behind `generate_data` (datagen).

Nothing of the running platform imports this package: only management commands,
benchmarks and tests do.
"""
