"""The assurance tests build on the cases app's scene (a body, a pool, schools, a head and
an officer): the fixture is defined once, in ``tests/exceptional_resource/conftest.py``."""

from tests.exceptional_resource.conftest import scene

__all__ = ["scene"]
