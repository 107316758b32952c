"""User Markdown is shown with its words but without scripts, foreign links or remote images."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.markdown import sanitize
from db.errors import ValidationError
from db.text import clean, fingerprint

# An unescaped link opener followed by a target that is not http(s)/mailto.
BAD_LINK = re.compile(r"(?<!\\)\]\(\s*<?\s*(?!https?://|mailto:)", re.IGNORECASE)
UNESCAPED_IMAGE = re.compile(r"(?<!\\)!\[")
UNESCAPED_TAG = re.compile(r"(?<!\\)<[A-Za-z/!?]")


@pytest.mark.parametrize("hostile", [
    "[click](javascript:alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](<javascript:alert(1)>)",
    "[click](&#106;avascript:alert(1))",
    "[click](jav\tascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](//evil.example/steal)",
    "[click](/internal)",
    "![pixel](https://tracker.example/p.gif)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "- item\n  [ref]: data:text/html,x\n\n[ref]",
    "$\\href{javascript:alert(1)}{x}$",
])
def test_hostile_markdown_is_defused(hostile):
    safe = sanitize(hostile)
    assert not BAD_LINK.search(safe)
    assert not UNESCAPED_IMAGE.search(safe)
    assert not UNESCAPED_TAG.search(safe)
    assert not re.search(r"(?<!\\)\$", safe)
    assert not re.search(r"(?<!\\)\[ref\]:\s*(javascript|data)", safe)


@pytest.mark.parametrize("good", [
    "See [the EMA guideline](https://www.ema.europa.eu/en/human-regulatory) and "
    "[mail QA](mailto:qa@example.com).",
    "Plain **bold** and a list:\n\n- one\n- two\n",
    "Use `<dossier>` in code and\n\n```xml\n<eCTD><m1/></eCTD>\n```\n",
])
def test_ordinary_markdown_is_kept(good):
    assert sanitize(good) == good


@given(st.text())
def test_sanitize_never_crashes_and_defuses_links(text):
    safe = sanitize(text)
    assert isinstance(safe, str)
    prose = re.sub(r"```.*?```", "", safe, flags=re.S)
    prose = re.sub(r"`[^`]*`", "", prose)
    assert not UNESCAPED_IMAGE.search(prose)


@pytest.mark.parametrize("value", ["", "   ", "\u200b\u200b", "\n\t\n"])
def test_blank_text_is_refused(value):
    with pytest.raises(ValidationError) as err:
        clean(value, field="body", label="The answer", max_len=100)
    assert err.value.field == "body" and "cannot be empty" in err.value.message


def test_long_text_is_refused_with_the_limit():
    with pytest.raises(ValidationError, match="limit is 10"):
        clean("x" * 11, field="title", label="The title", max_len=10)


def test_clean_normalises():
    assert clean("  a\r\nb\x00c  ", field="f", label="F", max_len=50) == "a\nbc"
    assert clean(" two\n lines ", field="f", label="F", max_len=50, single_line=True) == \
        "two lines"


def test_fingerprint_ignores_case_spacing_and_invisibles():
    assert fingerprint("Same  Text\u200b here") == fingerprint("same text HERE")
    assert fingerprint("one") != fingerprint("two")
