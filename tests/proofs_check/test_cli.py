"""``python -m proofs_check``: exit code, JSON report (docs/contract.md), reproducibility."""
import json
import subprocess
import sys

import pytest
from hypothesis import strategies as st

from proofs_check import Statement, check, le
from proofs_check.__main__ import main
import proofs_check._runner as runner

KEYS = {"id", "title", "holds", "instances", "violations", "worst_slack", "counterexample"}


@pytest.fixture(autouse=True)
def quick_shrink(monkeypatch):
    monkeypatch.setattr(runner, "SHRINK_BUDGET", 25)


def _report(tmp_path, *args):
    path = tmp_path / "report.json"
    code = main([*args, "--json", str(path), "--quiet", "--jobs", "1"])
    return code, json.loads(path.read_text())


def test_json_schema_and_exit_code(tmp_path, capsys):
    code, doc = _report(tmp_path, "--only", "S4,S11-kl,S8-sym", "--instances", "15", "--seed", "7")
    assert code == 0
    rows = {r["id"]: r for r in doc["statements"]}
    assert set(rows) == {"S4", "S4-unnormalized", "S11-kl", "S8-sym"}
    for r in rows.values():
        assert KEYS <= set(r)
        assert isinstance(r["holds"], bool) and isinstance(r["instances"], int) and isinstance(r["violations"], int)
    assert rows["S4"]["holds"] and rows["S4"]["counterexample"] is None and rows["S4"]["instances"] == 15
    assert rows["S11-kl"]["holds"] is False and rows["S11-kl"]["verdict"] == "REFUTED"
    cx = rows["S11-kl"]["counterexample"]
    assert cx["instance"]["f"] == "kl" and {"lhs", "rhs", "slack", "parts"} <= set(cx)
    out = capsys.readouterr().out
    assert "S11-kl" in out and "REFUTED" in out and "counterexample" in out and "HOLDS" in out


def test_seed_reproducibility(tmp_path):
    args = ("--only", "S12,S13,S11-pearson_chi2", "--instances", "12", "--seed", "11")
    _, a = _report(tmp_path, *args)
    _, b = _report(tmp_path, *args)
    strip = lambda doc: [{k: v for k, v in r.items() if k != "seconds"} for r in doc["statements"]]
    assert strip(a) == strip(b)


def test_exit_code_one_when_a_statement_fails(tmp_path, capsys):
    bad = Statement("X1", "x <= 10", "test", "-", st.integers(0, 100), lambda x: check(le("x <= 10", x, 10)))
    assert main(["--instances", "50", "--quiet"], rows=[bad]) == 1
    assert "FAILS" in capsys.readouterr().out
    unrefuted = Statement("X2", "x >= 0", "test", "-", st.integers(0, 100), lambda x: check(le("0 <= x", 0, x)),
                          expect="refuted", min_search=50)
    assert main(["--instances", "10", "--quiet"], rows=[unrefuted]) == 1
    assert "NOT REFUTED" in capsys.readouterr().out


def _one_line_error(capsys, needle):
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert needle in err and len(err.splitlines()) == 1 and err.startswith("error:"), err
    assert cap.out == ""  # nothing ran


@pytest.mark.parametrize("only", [",,", "", " , ", ","])
def test_selection_naming_nothing_is_an_error(capsys, only):
    assert main(["--only", only, "--quiet"]) == 2
    _one_line_error(capsys, "names no statement id")


@pytest.mark.parametrize("only", ["S99", "S12,,nope", "s12"])
def test_unknown_id_is_an_error(capsys, only):
    assert main(["--only", only, "--quiet"]) == 2
    _one_line_error(capsys, "unknown statement id")


def test_only_takes_comma_and_space_separated_ids_and_repeats(capsys):
    assert main(["--list", "--only", "S13", "S12,S4", "--only", "S1"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert {"S1", "S4", "S12", "S13", "S13-not-abs-cont"} <= listed and "S2" not in listed and "S11" not in listed
    assert main(["--only", "S4", "S99", "--quiet"]) == 2
    _one_line_error(capsys, "unknown statement id")


def test_bad_json_path_fails_before_running(tmp_path, capsys, monkeypatch):
    def no_run(*a, **k):
        raise AssertionError("a row ran before the --json path was checked")

    monkeypatch.setattr(runner, "run_row", no_run)
    plain = tmp_path / "plain_file"
    plain.write_text("")
    for path, needle in ((tmp_path / "missing" / "r.json", "does not exist"), (tmp_path, "is a directory"),
                         ("", "empty path"), (plain / "r.json", f"{str(plain)!r} is not a directory")):
        assert main(["--only", "S4", "--json", str(path), "--quiet", "--jobs", "1"]) == 2
        _one_line_error(capsys, needle)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        import os
        if not os.access(ro, os.W_OK):  # root can write anywhere: nothing to check then
            assert main(["--only", "S4", "--json", str(ro / "r.json"), "--quiet", "--jobs", "1"]) == 2
            _one_line_error(capsys, "not writable")
    finally:
        ro.chmod(0o700)


def test_argparse_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--instances", "many"])
    assert exc.value.code == 2
    _one_line_error(capsys, "--instances")


def test_bad_arguments(capsys):
    assert main(["--only", "S99"]) == 2
    assert "unknown statement id" in capsys.readouterr().err
    assert main(["--instances", "0"]) == 2
    assert main(["--list", "--only", "S13"]) == 0
    out = capsys.readouterr().out
    assert "S13-not-abs-cont" in out and "[refuted]" in out


def test_module_entry_point_parallel(tmp_path):
    """The real command, two worker processes, progress on stderr, table on stdout."""
    path = tmp_path / "r.json"
    res = subprocess.run([sys.executable, "-m", "proofs_check", "--only", "S4,S1", "--instances", "8",
                          "--jobs", "2", "--json", str(path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "S4-unnormalized" in res.stdout and "[" in res.stderr
    doc = json.loads(path.read_text())
    assert [r["id"] for r in doc["statements"]] == ["S1", "S1-gan", "S1-log_trick", "S1-unnormalized", "S4",
                                                    "S4-unnormalized"]


def test_json_to_stdout(capsys):
    assert main(["--only", "S4", "--instances", "5", "--json", "-", "--quiet", "--jobs", "1"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert [r["id"] for r in doc["statements"]] == ["S4", "S4-unnormalized"] and doc["ok"] is True
    assert "S4-unnormalized" in captured.err  # the table went to stderr


def test_ctrl_c_that_an_extension_turns_into_another_exception_is_one_line_130(monkeypatch, capsys):
    """SciPy's compiled BLAS module, interrupted while it initialises, raises
    ``TypeError: expected a message argument`` with no KeyboardInterrupt in its chain: the
    command still reports the Ctrl-C, because it remembered the signal."""
    import os
    import signal
    import time

    import proofs_check.__main__ as cli

    def interrupted_import(argv, *, rows):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
        except KeyboardInterrupt:
            pass  # inside the extension's initialisation
        raise TypeError("expected a message argument")

    monkeypatch.setattr(cli, "_main", interrupted_import)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert cli.main([]) == 130
    finally:
        signal.signal(signal.SIGINT, old)
    assert capsys.readouterr().err == "interrupted (Ctrl-C): no report written\n"

    def plain_bug(argv, *, rows):
        raise TypeError("a genuine bug")

    monkeypatch.setattr(cli, "_main", plain_bug)
    with pytest.raises(TypeError, match="a genuine bug"):  # without a Ctrl-C it is not hidden
        cli.main([])
