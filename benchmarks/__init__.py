"""Performance benchmarks (spec §5.1): each prints its figure and its ratio to a baseline from the same run."""
