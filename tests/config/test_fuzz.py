"""Whatever a person writes, the loader answers with a config or a ConfigError -- nothing else."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import ConfigError, validate_config

from .fixtures import minimal_config

KEYS = st.sampled_from(
    [
        "kiosk", "ils", "sip2", "tls", "dialect", "hardware", "rfid", "printer", "policy",
        "offline", "receipt", "ui", "theme", "welcome", "return_station", "bins", "rules",
        "health", "port", "host", "id", "bin", "languages", "afi_secured", "password",
        "password_file", "staff_code", "type", "mode", "embedded", "0", "hots", "",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUES, max_size=5), st.dictionaries(KEYS, VALUES, max_size=3))
def test_arbitrary_data_gives_a_config_or_a_config_error(
    extra: dict[str, Any], section: dict[str, Any]
) -> None:
    data = minimal_config()
    data.update(extra)
    data.setdefault("ui", {})
    if isinstance(data["ui"], dict):
        data["ui"] = {**data["ui"], **section}
    try:
        validate_config(data, check_files=False)
    except ConfigError as error:
        assert error.issues
        for issue in error.issues:
            assert issue.expected and issue.value
            assert "hemligt" not in str(issue)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=10), max_size=5))
def test_arbitrary_environment_gives_a_config_or_a_config_error(env: dict[str, str]) -> None:
    env = {f"KIOSK__{name}": value for name, value in env.items()}
    try:
        validate_config(minimal_config(), env=env, check_files=False)
    except ConfigError as error:
        assert all(
            issue.source.startswith("environment variable KIOSK__") for issue in error.issues
        )
