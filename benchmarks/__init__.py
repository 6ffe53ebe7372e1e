"""Benchmarks: activity requests against the local wikis, table parsing speed (``make bench``)."""
