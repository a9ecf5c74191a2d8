"""The committed results under ``results/`` and the committed notebooks, as generated pages.

When the configuration is read, ``docs/_generated/experiments.inc.md`` is written with one
section per folder ``results/<experiment>/`` that exists at that moment (none is required):

- the command that made it: the first line of ``command.txt`` when present, otherwise the
  first ``python -m ...`` or ``make ...`` command quoted in the folder's Markdown files;
- its Markdown files (``README.md`` first), their headings moved below the section's;
- its CSV tables (rendered when at most ``MAX_CSV_ROWS`` rows, otherwise linked);
- its PNG figures;
- any other file (JSON, ...) as a download link.

The notebooks of ``notebooks/`` are copied to ``docs/_generated/notebooks/`` and rendered from
their committed form (``nb_execution_mode = "off"`` in ``conf.py``: nothing runs at build time).
"""
from __future__ import annotations

import csv
import re
import shutil

from _gen import DOCS, GENERATED, ROOT, write_if_changed

RESULTS = ROOT / "results"
NOTEBOOKS = ROOT / "notebooks"
MAX_CSV_ROWS = 60
_COMMAND = re.compile(r"(?:`{1,3}|^\s*\$?\s*)((?:python3? -m|make) [^`\n]+)", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})(\s)", re.MULTILINE)
_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")


def _rel(path) -> str:
    """``path`` relative to ``docs/``, the folder of the page that includes the generated text."""
    return "../" + path.relative_to(ROOT).as_posix()


def command_of(folder) -> str | None:
    """The command recorded with a results folder, or None when none is recorded."""
    cmd_file = folder / "command.txt"
    if cmd_file.is_file():
        lines = [ln.strip() for ln in cmd_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if lines:
            return lines[0]
    for md in _markdown_files(folder):
        m = _COMMAND.search(md.read_text(encoding="utf-8"))
        if m:
            return m.group(1).strip()
    return None


def _markdown_files(folder) -> list:
    files = sorted(folder.glob("*.md"), key=lambda p: (p.name.lower() != "readme.md", p.name))
    return [f for f in files if f.is_file()]


def _markdown(md, level: int) -> str:
    """A results Markdown file, with headings demoted below ``level`` and relative links retargeted."""
    text = md.read_text(encoding="utf-8")
    text = _HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + level) + m.group(2), text)

    def relink(m):
        target = m.group(2)
        if re.match(r"^[a-z]+:|^#|^/", target):
            return m.group(0)
        path = (md.parent / target).resolve()
        if not path.exists() or ROOT not in path.parents:
            return m.group(1) + target + m.group(3)
        if m.group(1).startswith("!"):
            return m.group(1) + _rel(path) + m.group(3)
        return f"{{download}}`{m.group(1)[1:-2] or path.name} <{_rel(path)}>`"

    return _LINK.sub(relink, text)


def _csv(path) -> str:
    with path.open(newline="", encoding="utf-8") as fh:
        n_rows = sum(1 for _ in csv.reader(fh))
    if n_rows - 1 > MAX_CSV_ROWS:
        return f"{{download}}`{path.name} ({n_rows - 1} rows) <{_rel(path)}>`\n"
    return "\n".join([f"```{{csv-table}} {path.name}", f":file: {_rel(path)}", ":header-rows: 1", "```", ""])


def _section(folder) -> str:
    out = [f"## `results/{folder.name}/`", ""]
    cmd = command_of(folder)
    out += (["Made by:", "", "```bash", cmd, "```", ""] if cmd else
            ["The command that made these files is not recorded with them (`command.txt`).", ""])
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    shown = set()
    for md in _markdown_files(folder):
        text = _markdown(md, 2)
        shown |= {p for p in files if _rel(p) in text}
        out += [text, ""]
    for path in files:
        if path in shown:
            continue
        if path.suffix == ".csv":
            out.append(_csv(path))
        elif path.suffix == ".png":
            out += [f"```{{figure}} {_rel(path)}", f":alt: {path.name}", "", f"`{path.relative_to(folder)}`", "```",
                    ""]
    others = [p for p in files if p.suffix not in (".md", ".csv", ".png") and p not in shown
              and p.name != "command.txt"]
    if others:
        out += ["Other files: " + ", ".join(f"{{download}}`{p.relative_to(folder)} <{_rel(p)}>`" for p in others),
                ""]
    return "\n".join(out)


def experiments_page() -> str:
    """The Markdown of every results folder present now (a sentence when there is none)."""
    folders = sorted(p for p in RESULTS.iterdir() if p.is_dir()) if RESULTS.is_dir() else []
    if not folders:
        return "No results are committed under `results/` in this checkout.\n"
    return "\n".join(_section(f) for f in folders)


def _copy_notebooks() -> list[str]:
    dest = GENERATED / "notebooks"
    dest.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) if NOTEBOOKS.is_dir() else []
    for stale in dest.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()
    for name in names:
        src, dst = NOTEBOOKS / name, dest / name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    return names


def _generate(app, config) -> None:
    write_if_changed(GENERATED / "experiments.inc.md", experiments_page())
    names = _copy_notebooks()
    toc = ["```{toctree}", ":maxdepth: 1", ""] + [f"_generated/notebooks/{n[:-6]}" for n in names] + ["```", ""]
    body = "Rendered from their committed form; nothing is executed when the site is built.\n\n"
    write_if_changed(GENERATED / "notebooks.inc.md", body + ("\n".join(toc) if names else "No notebooks.\n"))


def setup(app):
    app.connect("config-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["command_of", "experiments_page", "DOCS"]
