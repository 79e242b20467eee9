"""The benchmarks' library: bench/run and every bench/<name> script import it."""
