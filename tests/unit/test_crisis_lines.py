"""Crisis lines (core.config.crisis_lines): a self-harm line separate from the
domestic-violence line, a marked default per region (MEND_REGION, else the browser's
locale), generic text otherwise, and never a setting's name in what a counsellor reads."""

from __future__ import annotations

import pytest

from core import config
from core.config import REGION_LINES, Settings, crisis_lines, region_code


def settings(**given: str | None) -> Settings:
    return Settings(
        **{"database_url": "sqlite://", "demo_mode": False, "crisis_line": None, **given}
    )  # type: ignore[arg-type]


def counsellor_texts(lines: config.CrisisLines) -> list[str]:
    return [lines.domestic_violence, lines.self_harm]


@pytest.mark.parametrize(
    ("value", "code"),
    [("GB", "GB"), ("uk", "GB"), ("en-GB", "GB"), ("en_au", "AU"), ("NZ", "NZ"), ("fr", None)],
)
def test_region_codes(value: str, code: str | None) -> None:
    assert region_code(value) == code
    assert region_code(None) is None and region_code("") is None


def test_the_region_setting_chooses_the_marked_default() -> None:
    lines = crisis_lines(settings(region="GB"), locale="en-US")
    assert "0808 2000 247" in lines.domestic_violence and "999" in lines.domestic_violence
    assert "116 123" in lines.self_harm and "0808 2000 247" not in lines.self_harm
    assert "Mend's default for the United Kingdom" in lines.domestic_violence
    assert lines.region == "GB" and lines.region_from == "MEND_REGION=GB"


def test_without_a_region_setting_the_browser_locale_chooses() -> None:
    lines = crisis_lines(settings(), locale="en-AU")
    assert "1800 737 732" in lines.domestic_violence and "000" in lines.domestic_violence
    assert "13 11 14" in lines.self_harm
    assert "browser" in lines.region_from


def test_a_region_without_a_national_line_gets_generic_text_for_it() -> None:
    lines = crisis_lines(settings(region="CA"))
    assert "911" in lines.domestic_violence and "ask the clinic" in lines.domestic_violence
    assert "988" in lines.self_harm


@pytest.mark.parametrize("locale", [None, "fr-FR", "de"])
def test_unknown_region_is_generic_and_never_names_a_setting(locale: str | None) -> None:
    lines = crisis_lines(settings(), locale=locale)
    assert lines.region is None
    assert "local emergency number" in lines.domestic_violence
    assert "local emergency number" in lines.self_harm
    assert lines.self_harm != lines.domestic_violence


def test_the_clinic_text_wins_for_each_line_separately() -> None:
    lines = crisis_lines(
        settings(region="GB", crisis_line="Call the clinic's DV line 0100"), locale=None
    )
    assert lines.domestic_violence == "Call the clinic's DV line 0100"
    assert "116 123" in lines.self_harm  # still the region's self-harm default
    own = crisis_lines(settings(self_harm_line="Crisis team: 0200"))
    assert own.self_harm == "Crisis team: 0200"
    assert own.self_harm_from.startswith("MEND_SELF_HARM_LINE")


@pytest.mark.parametrize("region", [None, "XX", *REGION_LINES])
@pytest.mark.parametrize("locale", [None, "en-US", "en-GB", "pt-BR"])
def test_no_setting_name_ever_reaches_a_counsellor(region: str | None, locale: str | None) -> None:
    lines = crisis_lines(settings(region=region), locale=locale)
    for text in counsellor_texts(lines):
        assert "MEND_" not in text and "MEND" not in text.upper().split()
        assert text.strip()


def test_settings_read_the_self_harm_line_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEND_SELF_HARM_LINE", "  Crisis team: 0200 ")
    monkeypatch.setenv("MEND_REGION", "ie")
    monkeypatch.setenv("MEND_CRISIS_LINE", "   ")
    loaded = config.load_settings()
    assert loaded.self_harm_line == "Crisis team: 0200"
    assert loaded.region == "ie" and loaded.crisis_line is None
    lines = crisis_lines(loaded)
    assert "1800 341 900" in lines.domestic_violence and lines.self_harm == "Crisis team: 0200"
