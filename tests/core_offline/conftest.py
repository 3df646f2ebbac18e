from tests.core_offline.fixtures import acs, journal, pad, port  # noqa: F401  (fixtures)
