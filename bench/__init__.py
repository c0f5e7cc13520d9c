"""`make bench`: Steppe's benchmarks, each figure a median of runs, each ratio measured in
one run on one machine. See BENCHMARKS.md for the figures and how to read them."""
