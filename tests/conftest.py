"""Test-suite configuration: hypothesis profiles and backend fixtures.

Profiles (select with ``HYPOTHESIS_PROFILE=dev``):
- ``ci`` (default): ``deadline=None``, derandomised (fixed seed), modest example counts,
  so ``make test`` is reproducible and stays under 10 minutes on 2 cores.
- ``dev``: many more examples, random seeds, for local hunting.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=1000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
