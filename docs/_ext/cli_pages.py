"""Every command-line entry point and option, generated from the argparse parsers.

Each package of the repository with a ``__main__.py`` is a command (``python -m <package>``).
Its parser is taken from a ``build_parser()`` or ``_parser()`` function when the module has one;
otherwise ``main([])`` is called with ``ArgumentParser.parse_args`` intercepted, so the parser
is captured before any work starts. Sub-commands (``add_subparsers``) get a section each, so a
command file added to ``gan_backend/cli`` appears on the page with no edit to the docs.
The result is written to ``docs/_generated/cli.inc.md`` when the configuration is read.
"""
from __future__ import annotations

import argparse
import importlib

from _gen import GENERATED, ROOT, write_if_changed

PACKAGES = ("gan_backend", "proofs_check", "benchmarks", "fdiv")


class _Captured(Exception):
    def __init__(self, parser):
        super().__init__("parser captured")
        self.parser = parser


def parser_of(package: str) -> argparse.ArgumentParser:
    """The argparse parser of ``python -m <package>``."""
    main = importlib.import_module(f"{package}.__main__")
    for name in ("build_parser", "_parser"):
        if callable(getattr(main, name, None)):
            return getattr(main, name)()

    def capture(self, *args, **kwargs):
        raise _Captured(self)

    original = argparse.ArgumentParser.parse_args
    argparse.ArgumentParser.parse_args = capture
    try:
        main.main([])
    except _Captured as got:
        return got.parser
    finally:
        argparse.ArgumentParser.parse_args = original
    raise RuntimeError(f"python -m {package}: main() built no argparse parser")


def commands() -> list[str]:
    """The packages of the repository that can be run with ``python -m``."""
    return [p for p in PACKAGES if (ROOT / p / "__main__.py").is_file()]


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            return [(name, sub, helps.get(name, "")) for name, sub in action.choices.items()]
    return []


def _cell(text) -> str:
    return " ".join(str(text).replace("|", "\\|").split())


def _option_rows(parser) -> list[str]:
    rows = ["| option | value | default | meaning |", "|---|---|---|---|"]
    for a in parser._actions:
        if isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        names = ", ".join(f"`{s}`" for s in a.option_strings) or f"`{a.dest}` (positional)"
        if a.choices is not None:
            value = " \\| ".join(f"`{c}`" for c in a.choices)
        elif a.nargs == 0:
            value = "(flag)"
        else:
            value = f"`{a.metavar or a.dest.upper()}`"
        unset = a.default is None or a.default is False or a.default is argparse.SUPPRESS or a.default == ""
        default = "" if unset or a.required else f"`{a.default}`"
        if a.required and a.option_strings:
            default = "required"
        meaning = parser._get_formatter()._expand_help(a) if a.help else ""  # argparse's own %(...)s
        rows.append(f"| {names} | {value} | {default} | {_cell(meaning)} |")
    return rows if len(rows) > 2 else []


def _section(parser, level: int, help_text: str = "") -> list[str]:
    out = [f"{'#' * level} `{parser.prog}`", ""]
    description = parser.description or help_text
    if description:
        out += ["```text", description.strip(), "```", ""]
    out += ["```text", parser.format_usage().strip(), "```", ""]
    out += _option_rows(parser) + [""]
    for name, sub, sub_help in _subparsers(parser):
        out += _section(sub, level + 1, sub_help)
    return out


def page() -> str:
    """The Markdown of every command, its sub-commands and their options."""
    lines: list[str] = []
    for package in commands():
        lines += _section(parser_of(package), 2)
    return "\n".join(lines)


def _generate(app, config) -> None:
    write_if_changed(GENERATED / "cli.inc.md", page())


def setup(app):
    app.connect("config-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
