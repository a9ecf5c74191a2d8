"""The page docs/write-your-own-statement.md runs as written: its files are written to a temporary
folder, its ``>>>`` examples run as doctests there, and its commands run there with the exit
status the page states."""
import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "write-your-own-statement.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)


def _blocks():
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(PAGE.read_text(encoding="utf-8"))]


def test_page_is_in_the_toctree():
    assert "\nwrite-your-own-statement\n" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


def test_page_runs_as_written(tmp_path, monkeypatch):
    blocks = _blocks()
    files = [(body.splitlines()[0][2:].strip(), body) for lang, body in blocks
             if lang == "python" and body.startswith("# ") and body.splitlines()[0].endswith(".py")]
    assert [name for name, _ in files] == ["my_statements.py", "test_my_statements.py"]
    for name, body in files:
        (tmp_path / name).write_text(body, encoding="utf-8")

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    examples = "\n".join(body for lang, body in blocks if lang == "pycon")
    test = doctest.DocTestParser().get_doctest(examples, {}, PAGE.name, str(PAGE), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and len(test.examples) >= 8

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    commands = []
    for lang, body in blocks:
        if lang != "console":
            continue
        lines = body.splitlines()
        cmd = next(line[2:] for line in lines if line.startswith("$ "))
        status = int(next(line.split()[-1] for line in lines if line.startswith("# exit status")))
        commands.append((cmd, status))
    assert len(commands) == 4
    for cmd, status in commands:
        argv = cmd.split()
        assert argv[0] == "python"
        res = subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)
        assert res.returncode == status, f"{cmd}: exit {res.returncode}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        if status == 2:
            assert len(res.stderr.strip().splitlines()) == 1 and "no_such_module" in res.stderr
    # what the page says about the first run: the false row is in the report with a counterexample
    import json

    doc = json.loads((tmp_path / "report.json").read_text())
    rows = {r["id"]: r for r in doc["statements"]}
    assert {k: r["verdict"] for k, r in rows.items()} == {"M-dpi": "HOLDS", "M-pinsker": "HOLDS",
                                                           "M-kl-symmetric": "FAILS"}
    assert rows["M-kl-symmetric"]["counterexample"]["instance_repr"].startswith("(np.array([")
