"""The shipped Streamlit settings (.streamlit/config.toml): no traceback reaches a browser,
no source file is watched."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_error_details_are_off_outside_development() -> None:
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert settings["client"]["showErrorDetails"] == "none"


def test_streamlit_reads_the_setting_as_none() -> None:
    from streamlit import config

    config.get_config_options(force_reparse=True, options_from_flags={})
    try:
        assert config.get_option("client.showErrorDetails") == "none"
    finally:
        config.get_config_options(force_reparse=True)


def test_the_server_watches_no_source_files() -> None:
    """Each browser session would otherwise watch every source file (polled, without
    watchdog), costing every navigation server time."""
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert settings["server"]["fileWatcherType"] == "none"
