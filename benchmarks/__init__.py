"""Benchmarks of the pipeline against its limits and its peers (docs/benchmarks.md).

Run them all with one command, after `./dev up`:

    uv run python -m benchmarks.run_all
"""
