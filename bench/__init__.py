"""Benchmark harness: Skyfuse against Stone Soup 1.9.1 on simulated radar scenarios.

Run ``python -m bench.run`` (``make bench``); see ``bench/README.md`` for the columns.
"""
