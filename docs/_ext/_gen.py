"""Helpers shared by the page-generating extensions: where generated files go, and writing them
only when their text changed (so an unchanged page is not rebuilt)."""
from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (creating folders) unless the file already holds exactly it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell or paragraph (pipes, asterisks, underscores, backticks)."""
    out = str(text)
    for ch in ("\\", "|", "*", "_", "`", "<", ">", "[", "]"):
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())
