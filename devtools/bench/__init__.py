"""The benchmarks B1-B8 over the national-scale synthetic data set (``make bench``, or
``python -m devtools.bench``; see ``__main__.py`` and docs/performance.md)."""
