"""Benchmarks (`make bench`): not part of `make test`. See bench/__main__.py."""
