"""The shipped Streamlit settings (.streamlit/config.toml): no traceback reaches a browser,
no source file is watched, no bare expression is written to a page, no full collection
after each run."""

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


def test_a_bare_expression_in_a_page_is_never_written_to_it() -> None:
    """Magic is off: only explicit (escaped) calls write to a page."""
    from streamlit.testing.v1 import AppTest

    script = 'typed = "**Partner** <b>note</b>"\ntyped\n"a stray string"\n1 + 1\nst.write("shown")'
    at = AppTest.from_string("import streamlit as st\n" + script).run()
    assert not at.exception
    assert [element.value for element in at.markdown] == ["shown"]


def test_no_full_garbage_collection_after_each_run() -> None:
    """Streamlit's gc.collect(2) after every run held the interpreter lock while the run's
    last messages waited (bench/results-served.md)."""
    from streamlit import config

    config.get_config_options(force_reparse=True, options_from_flags={})
    try:
        assert config.get_option("runner.postScriptGC") is False
        assert config.get_option("runner.magicEnabled") is False
    finally:
        config.get_config_options(force_reparse=True)
