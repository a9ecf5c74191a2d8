"""Benchmarks of docs/performance.md (rows B1..B6). Run ``python -m benchmarks [--smoke] [--only B1,B2]``.

Each row lives in its own module ``benchmarks/b<k>_*.py`` exposing ``ID = "B<k>"`` and
``rows(smoke: bool) -> list[Row]``; ``__main__`` discovers them.
"""
