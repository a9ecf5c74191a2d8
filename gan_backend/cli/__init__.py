"""Subcommands of ``python -m gan_backend``.

Each module here is one subcommand and defines ``NAME`` (the word on the command line),
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int`` (exit status).
:func:`iter_commands` discovers them; ``sample`` is the engine's, ``table`` AdaGAN's.
"""
from __future__ import annotations

import importlib
import pkgutil
import types

__all__ = ["iter_commands"]


def iter_commands() -> list[types.ModuleType]:
    """The command modules of this package, sorted by ``NAME``."""
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if all(hasattr(mod, a) for a in ("NAME", "HELP", "add_arguments", "run")):
            mods.append(mod)
    return sorted(mods, key=lambda m: m.NAME)
