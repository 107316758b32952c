"""Markdown from users, made safe to show with st.markdown (never as HTML).

Streamlit already shows raw HTML as text. On top of that, in prose (not in code):
- links and link definitions are kept only for http, https and mailto targets; others (javascript:,
  data:, relative, protocol-relative, entity-disguised) are turned into plain text;
- images are shown as text, so no picture is fetched from an outside address;
- tags, autolinks and $ (Streamlit renders LaTeX) are escaped.
"""

from __future__ import annotations

import html
import re

import streamlit as st

ALLOWED = ("http://", "https://", "mailto:")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A link definition can hide inside a list item or quote, so look for one anywhere in prose.
_DEF = re.compile(r"(?<!\\)\[([^\]\n]+)\]:")
_INVISIBLE = re.compile(r"[\s\x00-\x1f\u200b-\u200f\u2060-\u2064\ufeff]")


# Markdown, HTML, LaTeX, emoji shortcodes and Streamlit's :color[...] directives all start with
# one of these.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=^&\"'])")


def plain(text: object) -> str:
    """Text (a title, a name) shown as plain words on one line inside Markdown: every character
    that could start markup is escaped, and line breaks become spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def _allowed(destination: str) -> bool:
    target = _INVISIBLE.sub("", html.unescape(destination)).lower()
    return target.startswith(ALLOWED)


def _destination(text: str, start: int) -> str:
    """The link target that begins at `start` (just after '(' or ':'), as written."""
    i = start
    while i < len(text) and text[i] in " \t\n":
        i += 1
    if i < len(text) and text[i] == "<":
        end = text.find(">", i)
        return text[i + 1:end if end != -1 else len(text)]
    j = i
    while j < len(text) and not text[j].isspace() and text[j] != ")":
        j += 1
    return text[i:j]


def _prose(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "!" and text.startswith("[", i + 1):
            out.append("!\\[")  # an image becomes text: nothing is fetched
            i += 2
            continue
        if ch == "]" and text.startswith("(", i + 1):
            target = _destination(text, i + 2)
            if not _allowed(target):
                out.append("]\\(")
                i += 2
                continue
            start = text.find("<" + target, i + 2)
            if start != -1 and text[i + 2:start].strip() == "":
                # An allowed <https://...> destination: keep its brackets, or escaping the
                # "<" would turn it into a relative link.
                end = start + len(target) + 2
                out.append(text[i:end])
                i = end
                continue
        if ch == "<" and i + 1 < len(text) and (text[i + 1].isalpha() or text[i + 1] in "/!?"):
            out.append("\\<")
            i += 1
            continue
        if ch == "$":
            out.append("\\$")
            i += 1
            continue
        out.append(ch)
        i += 1
    result = "".join(out)

    def _definition(m: re.Match) -> str:
        if _allowed(_destination(result, m.end())):
            return m.group(0)
        return f"\\[{m.group(1)}]:"

    return _DEF.sub(_definition, result)


def _split_inline_code(line: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces of one paragraph, code spans being matched backtick runs."""
    pieces: list[tuple[bool, str]] = []
    i = last = 0
    while i < len(line):
        if line[i] == "`":
            run = len(line[i:]) - len(line[i:].lstrip("`"))
            close = line.find("`" * run, i + run)
            while close != -1 and line.startswith("`", close + run):
                close = line.find("`" * run, close + run + 1)
            if close != -1:
                pieces.append((False, line[last:i]))
                pieces.append((True, line[i:close + run]))
                i = last = close + run
                continue
            i += run
            continue
        i += 1
    pieces.append((False, line[last:]))
    return pieces


def sanitize(text: str) -> str:
    """Markdown that shows the same words but can link only to http(s)/mailto and loads nothing."""
    out: list[str] = []
    block: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if block:
            joined = "".join(block)
            out.append("".join(p if code else _prose(p)
                               for code, p in _split_inline_code(joined)))
            block.clear()

    for line in (text or "").splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            flush()
            fence = m.group(1)[0] * len(m.group(1))
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
        else:
            block.append(line)
    flush()
    return "".join(out)


def show(text: str) -> None:
    """Render user-written Markdown safely."""
    st.markdown(sanitize(text))
