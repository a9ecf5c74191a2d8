"""A user's statements: ``--statements``, entry points, validation, the report, ``as_test`` and shrinking."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings, strategies as st

import fdiv
import proofs_check
import proofs_check.testing
import proofs_check._runner as runner
from proofs_check import Derivation, Statement, check, le, strategies as pcs
from proofs_check.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.proofs_check.user_statements"
USER_IDS = {"U-dpi", "U-joint", "U-kl-le-tv", "U-pinsker"}


def _stmt(**kw):
    args = dict(id="U1", title="x <= 10", source="-", assumptions="-", strategy=st.integers(0, 100),
                check=lambda v: check(le("x <= 10", v, 10)))
    args.update(kw)
    return Statement(**args)


def _one_line_error(capsys, *needles):
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    assert cap.out == ""
    return err


@pytest.fixture
def no_run(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a row ran before the arguments were checked")

    monkeypatch.setattr(runner, "run_row", refuse)
    monkeypatch.setattr(runner, "run_property", refuse)


# --------------------------------------------------------------------------- validation at construction
@pytest.mark.parametrize("field, value", [("expect", "refute"), ("expect", "HOLDS"), ("id", "U 1"), ("id", ""),
                                          ("id", "1abc"), ("id", "a,b"), ("id", 7), ("strategy", [1, 2]),
                                          ("strategy", st.integers), ("check", 3), ("title", ""),
                                          ("min_search", -1), ("min_search", 1.5)])
def test_statement_validates_its_fields(field, value):
    with pytest.raises(ValueError) as exc:
        _stmt(**{field: value})
    assert f"`{field}`" in str(exc.value) and repr(value)[:20] in str(exc.value)


def test_derivation_validates_its_fields():
    with pytest.raises(ValueError, match="`expect`.*'refute'"):
        Derivation("D1", "t", "-", "-", lambda: [], expect="refute")
    with pytest.raises(ValueError, match="`cases` must be callable"):
        Derivation("D1", "t", "-", "-", [("a", None)])


def test_bool_check_is_the_documented_shorthand():
    ok = _stmt(check=lambda v: v <= 10, strategy=st.integers(0, 10))
    assert proofs_check.run_row(ok, instances=20, seed=0).verdict == "HOLDS"
    bad = _stmt(check=lambda v: np.bool_(v <= 10))
    o = proofs_check.run_row(bad, instances=50, seed=0)
    assert o.verdict == "FAILS" and o.counterexample["instance"] == 11  # shrunk to the boundary


@pytest.mark.parametrize("value", [0.5, None, "yes", (1.0, 2.0)])
def test_other_return_values_are_refused_naming_row_instance_and_value(value):
    o = proofs_check.run_row(_stmt(check=lambda v: value), instances=5, seed=0)
    assert o.verdict == "ERROR" and not o.ok
    msg = o.counterexample["exception"]
    assert msg.startswith("TypeError: row 'U1'") and repr(value) in msg and "on instance 0" in msg


def test_summary_counts_are_right_for_user_rows():
    refuted = _stmt(id="U2", expect="refuted", min_search=50)
    outs = [proofs_check.run_row(r, instances=50, seed=0) for r in (_stmt(strategy=st.integers(0, 10)), refuted)]
    assert proofs_check.summary(outs) == ("1/1 statements and derivations hold; 1/1 known-false variants refuted; "
                                          "all as expected")


# --------------------------------------------------------------------------- the CLI with a statement module
def _report(tmp_path, *args):
    path = tmp_path / "report.json"
    code = main([*args, "--json", str(path), "--quiet", "--jobs", "1", "--no-plugins"])
    return code, json.loads(path.read_text())


def test_statement_module_joins_table_json_only_and_exit_code(tmp_path, capsys):
    code, doc = _report(tmp_path, "--statements", MODULE, "--only", "U,S4", "--instances", "30")
    assert code == 1  # a holds row (U-kl-le-tv) is refuted
    rows = {r["id"]: r for r in doc["statements"]}
    assert set(rows) == USER_IDS | {"S4", "S4-unnormalized"}
    assert [r["verdict"] for r in doc["statements"] if r["id"] in USER_IDS] == ["HOLDS", "HOLDS", "FAILS", "HOLDS"]
    bad = rows["U-kl-le-tv"]
    assert bad["holds"] is False and bad["violations"] > 0
    q, p = eval(bad["counterexample"]["instance_repr"], {"np": np})  # pasteable, and still a counterexample
    assert fdiv.divergence("kl", q, p) > fdiv.divergence("tv", q, p)
    assert q.size <= 2  # shrunk
    out = capsys.readouterr().out
    assert "U-kl-le-tv" in out and "FAILS" in out and f"instance = {bad['counterexample']['instance_repr']}" in out
    assert "data processing under a random Markov kernel: D_f(QK||PK) <= D_f(Q||P)" in out  # whole title


def test_exit_code_zero_when_every_user_row_is_as_expected(tmp_path):
    mod = tmp_path / "expected_rows.py"
    mod.write_text(textwrap.dedent(f"""
        import importlib
        from proofs_check import Statement
        user = importlib.import_module({MODULE!r})
        false = next(r for r in user.STATEMENTS if r.id == "U-kl-le-tv")
        STATEMENTS = [Statement("V-kl-le-tv", false.title, false.source, false.assumptions, false.strategy,
                                false.check, expect="refuted")]
        STATEMENTS += [r for r in user.STATEMENTS if r.id == "U-joint"]
    """))
    code, doc = _report(tmp_path, "--statements", str(mod), "--only", "V,U-joint", "--instances", "20")
    assert code == 0 and doc["ok"] is True
    assert {r["id"]: r["verdict"] for r in doc["statements"]} == {"V-kl-le-tv": "REFUTED", "U-joint": "HOLDS"}


def _write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


BAD_MODULES = {
    "syntax.py": ("def broken(:\n", "cannot import it: SyntaxError"),
    "importerror.py": ("import no_such_module_xyz\n", "ModuleNotFoundError"),
    "raises.py": ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
    "empty.py": ("X = 1\n", "no rows"),
    "emptylist.py": ("STATEMENTS = []\n", "no rows"),
    "notalist.py": ("STATEMENTS = 3\n", "STATEMENTS must be a list"),
    "notarow.py": ("STATEMENTS = ['S1']\n", "entry 0 is 'S1'"),
    "clash.py": ("import proofs_check\nSTATEMENTS = [proofs_check.get('S12')]\n",
                 "row id 'S12' is already used by built-in rows"),
    "badfield.py": ("from hypothesis import strategies as st\nfrom proofs_check import Statement\n"
                    "STATEMENTS = [Statement('U1', 't', '-', '-', st.integers(), bool, expect='refute')]\n",
                    "`expect` must be one of"),
}


@pytest.mark.parametrize("name", sorted(BAD_MODULES))
def test_bad_module_is_one_line_exit_2_before_any_check(tmp_path, capsys, no_run, name):
    body, needle = BAD_MODULES[name]
    path = _write(tmp_path, name, body)
    assert main(["--statements", path, "--no-plugins", "--quiet", "--jobs", "1"]) == 2
    _one_line_error(capsys, needle, name)


def test_missing_module_and_clash_between_modules(tmp_path, capsys, no_run):
    assert main(["--statements", "no_such_statements_module", "--no-plugins"]) == 2
    _one_line_error(capsys, "'no_such_statements_module'", "ModuleNotFoundError")
    assert main(["--statements", str(tmp_path / "absent.py"), "--no-plugins"]) == 2
    _one_line_error(capsys, "absent.py", "no such file")
    twin = _write(tmp_path, "twin.py", f"import importlib\nSTATEMENTS = importlib.import_module({MODULE!r}).STATEMENTS\n")
    assert main(["--statements", MODULE, "--statements", twin, "--no-plugins"]) == 2
    _one_line_error(capsys, "twin.py", "'U-dpi' is already used by --statements")


def test_list_shows_user_rows(capsys):
    assert main(["--statements", MODULE, "--list", "--no-plugins"]) == 0
    out = capsys.readouterr().out
    assert all(i in out for i in USER_IDS) and "S20" in out


# --------------------------------------------------------------------------- entry points
@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """A tiny distribution on a temporary sys.path entry declaring one row under proofs_check.statements."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "pc_plugin_demo.py").write_text(textwrap.dedent("""
        from hypothesis import strategies as st
        import proofs_check

        @proofs_check.statement("EP-square", "x^2 >= 0 (from an entry point)", strategy=st.integers(-50, 50))
        def square(v):
            return v * v >= 0
    """))
    dist = site / "pc_plugin_demo-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pc-plugin-demo\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[proofs_check.statements]\ndemo = pc_plugin_demo\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("pc_plugin_demo", None)


def test_entry_point_rows_are_discovered_and_no_plugins_turns_them_off(tmp_path, capsys, installed_plugin):
    path = tmp_path / "r.json"
    assert main(["--only", "EP", "--instances", "10", "--quiet", "--jobs", "1", "--json", str(path)]) == 0
    doc = json.loads(path.read_text())
    assert [(r["id"], r["verdict"]) for r in doc["statements"]] == [("EP-square", "HOLDS")]
    capsys.readouterr()
    assert main(["--only", "EP", "--no-plugins", "--quiet"]) == 2
    _one_line_error(capsys, "unknown statement id")


def test_broken_entry_point_is_one_line(tmp_path, capsys, installed_plugin, no_run):
    (installed_plugin / "pc_plugin_demo-0.1.dist-info" / "entry_points.txt").write_text(
        "[proofs_check.statements]\nbroken = pc_plugin_missing_module\n")
    assert main(["--quiet"]) == 2
    _one_line_error(capsys, "entry point broken = 'pc_plugin_missing_module'", "pc-plugin-demo")
    assert main(["--quiet", "--no-plugins", "--list"]) == 0  # --no-plugins does not even load it


def test_worker_processes_load_the_module_by_path(tmp_path):
    """Two spawned workers, the module given as a path: the user rows run there too."""
    path = tmp_path / "r.json"
    res = subprocess.run([sys.executable, "-m", "proofs_check", "--statements",
                          str(ROOT / "tests" / "proofs_check" / "user_statements.py"), "--only", "U-pinsker,U-joint",
                          "--instances", "10", "--jobs", "2", "--json", str(path), "--no-plugins"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert [r["verdict"] for r in json.loads(path.read_text())["statements"]] == ["HOLDS", "HOLDS"]


# --------------------------------------------------------------------------- the CLI's other promises
def test_unwritable_json_path_is_refused_by_opening_it(capsys, no_run):
    assert main(["--only", "S4", "--json", "/proc/proofs_check_report.json", "--quiet", "--jobs", "1"]) == 2
    _one_line_error(capsys, "--json", "cannot be opened for writing")


@pytest.mark.parametrize("args, needle", [(["--instances", "1000000000"], "--instances must be an integer in"),
                                          (["--instances", str(10 ** 40)], "--instances must be an integer in"),
                                          (["--instances", "10**9"], "--instances"),
                                          (["--jobs", str(10 ** 30)], "--jobs must be an integer in")])
def test_sizes_are_bounded(capsys, no_run, args, needle):
    try:
        code = main([*args, "--quiet"])
    except SystemExit as exc:  # argparse
        code = exc.code
    assert code == 2
    _one_line_error(capsys, needle)


def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    def session():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    proc = subprocess.Popen([sys.executable, "-m", "proofs_check", "--only", "S12,S14", "--instances", "2000",
                             "--jobs", "2", "--json", str(tmp_path / "r.json")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=session, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    first = proc.stderr.readline()  # the size estimate: printed once the imports are done
    assert " rows at --instances " in first, first
    time.sleep(1.5)  # the worker pool started and running rows (the run takes about 2 minutes)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    out, err = proc.communicate(timeout=60)
    err = first + err
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("interrupted")
    assert not (tmp_path / "r.json").exists()


# --------------------------------------------------------------------------- shrinking
def _plain_given_minimum(strategy, fails):
    """The counterexample a plain @given test reports for a property (its last failing call)."""
    seen = []

    @settings(max_examples=500, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def prop(v):
        if fails(v):
            seen.append(v)
            raise AssertionError

    with pytest.raises(AssertionError):
        prop()
    return seen[-1]


def test_counterexamples_as_small_as_plain_given():
    lists = st.lists(st.integers(0, 1000), max_size=30)
    row = _stmt(strategy=lists, check=lambda v: check(le("sum <= 1000", sum(v), 1000)))
    ours = proofs_check.run_row(row, instances=200, seed=3).counterexample["instance"]
    plain = _plain_given_minimum(lists, lambda v: sum(v) > 1000)
    assert (len(ours), sum(ours)) <= (len(plain), sum(plain)) and sum(ours) > 1000
    assert ours == find(lists, lambda v: sum(v) > 1000)  # hypothesis' own minimum

    vecs = pcs.probability_vectors()
    row = _stmt(strategy=vecs, check=lambda w: bool(w.size <= 2 or w.max() >= 0.5))
    ours = proofs_check.run_row(row, instances=200, seed=0).counterexample["instance"]
    plain = _plain_given_minimum(vecs, lambda w: not (w.size <= 2 or w.max() >= 0.5))
    assert len(ours) <= plain.size and ours == plain.tolist()


# --------------------------------------------------------------------------- as_test under pytest
def test_as_test_under_pytest(tmp_path):
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        from hypothesis import settings
        from hypothesis.database import DirectoryBasedExampleDatabase
        settings.register_profile("user", database=DirectoryBasedExampleDatabase(".hypo-db"), deadline=None)
        settings.load_profile("user")
    """))
    (tmp_path / "test_mine.py").write_text(textwrap.dedent(f"""
        import importlib
        from hypothesis import strategies as st
        from proofs_check import Statement, check, le
        from proofs_check.testing import as_test
        user = importlib.import_module({MODULE!r})
        rows = {{r.id: r for r in user.STATEMENTS}}
        test_dpi = as_test(rows["U-dpi"], instances=30)
        test_joint = as_test(rows["U-joint"], instances=30)
        test_pinsker = as_test(user.pinsker, instances=30)
        test_false = as_test(rows["U-kl-le-tv"], instances=30)
        never = Statement("U-never", "x <= 100", "-", "-", st.integers(0, 100), lambda v: check(le("x", v, 100)),
                          expect="refuted")
        test_never_refuted = as_test(never, instances=20)
        test_refuted = as_test(Statement("U-ref", "x <= 10", "-", "-", st.integers(0, 100),
                                         lambda v: check(le("x <= 10", v, 10)), expect="refuted"))
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"]
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "2 failed, 4 passed" in out, out
    assert "FAILED test_mine.py::test_false" in out and "FAILED test_mine.py::test_never_refuted" in out
    assert "row 'U-kl-le-tv'" in out and "instance = (np.array([1.0, 0.0]), np.array([0.0, 1.0]))" in out
    assert "Failing test case: test_U_kl_le_tv(" in out or "Falsifying example: test_U_kl_le_tv(" in out
    assert "no counterexample was found in 20 instances" in out
    assert any((tmp_path / ".hypo-db").iterdir())  # the profile's database received the failure


def test_as_test_message_has_both_sides():
    test = proofs_check.testing.as_test(_stmt(), instances=50)
    with pytest.raises(AssertionError) as exc:
        test()
    msg = str(exc.value)
    assert "row 'U1' (x <= 10) is violated" in msg and "lhs = 11.0, rhs = 10.0, slack = -1.0" in msg
    assert msg.endswith("instance = 11")


def test_as_test_validates_its_arguments():
    with pytest.raises(ValueError, match="`statement`"):
        proofs_check.testing.as_test("S12")
    with pytest.raises(ValueError, match="`instances`.*0"):
        proofs_check.testing.as_test(_stmt(), instances=0)


# --------------------------------------------------------------------------- public tolerances
def test_public_tolerances_are_those_of_the_built_in_rows():
    from proofs_check import tolerances as tol

    q, p = np.array([0.25, 0.75, 0.0]), np.array([0.5, 0.25, 0.25])
    kl = fdiv.get("kl")
    # the documented formula, written out: 64 eps n (sum p|f(q/p)| + |f(0)| p(q=0) + 64 (sum q + sum p))
    scale = 0.5 * abs(0.5 * np.log(0.5)) + 0.25 * abs(3 * np.log(3)) + 0.0 * 0.25 + 64 * 2.0
    assert tol.div_tol(kl, q, p) == pytest.approx(64 * np.finfo(float).eps * 3 * scale, rel=1e-12)
    assert tol.side_tol(2.0, -3.0, n=4) == 64 * np.finfo(float).eps * 4 * 5.0
    assert tol.side_tol(np.inf, 1.0) == 64 * np.finfo(float).eps


def test_built_in_counterexample_pastes_back_into_python():
    """The table's ``instance = ...`` line is Python: evaluated, it is still a counterexample."""
    import proofs_check.strategies  # noqa: F401 - the names the line uses

    for row_id in ("S13-not-abs-cont", "S3-not-self-dual"):
        row = proofs_check.get(row_id)
        cx = proofs_check.run_row(row, instances=20, seed=0).counterexample
        text = proofs_check.table([proofs_check.run_row(row, instances=20, seed=0)])
        line = next(s.strip() for s in text.splitlines() if s.strip().startswith("instance = "))
        assert line == f"instance = {cx['instance_repr']}"
        inst = eval(cx["instance_repr"], {"np": np, "fdiv": fdiv, "proofs_check": proofs_check})
        assert not row.check(inst).holds


def test_ctrl_c_during_startup_is_one_line_too(tmp_path):
    def session():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    for delay in (0.6, 1.2):
        proc = subprocess.Popen([sys.executable, "-m", "proofs_check", "--only", "S12", "--instances", "500"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=session,
                                cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        if proc.returncode == 0:  # finished before the signal (a very fast machine): nothing to check
            continue
        # the only other line allowed is the size estimate printed before a run above the default size
        lines = [ln for ln in err.strip().splitlines() if " rows at --instances " not in ln]
        assert proc.returncode == 130 and lines == ["interrupted (Ctrl-C): no report written"], (delay, err)
        assert "Traceback" not in err


def test_a_run_above_the_default_size_prints_an_estimate_first(capsys, monkeypatch):
    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_row", interrupt)
    assert main(["--only", "S4", "--instances", "50000", "--jobs", "1"]) == 130
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("2 rows at --instances 50000: roughly ") and err[-1].startswith("interrupted")


def test_ctrl_c_inside_an_extension_import_is_one_line(monkeypatch, capsys):
    """A Ctrl-C that lands in a C extension's initialisation reaches us as
    "ImportError: initialization failed" caused by the KeyboardInterrupt (seen once under load at
    0.6 s into the startup): still exit 130 with the one line; any other ImportError propagates."""
    import proofs_check.__main__ as cli

    def interrupted(argv, *, rows):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(cli, "_main", interrupted)
    assert cli.main([]) == 130
    assert capsys.readouterr().err.strip() == "interrupted (Ctrl-C): no report written"

    def broken(argv, *, rows):
        raise ImportError("no module named 'x'")

    monkeypatch.setattr(cli, "_main", broken)
    with pytest.raises(ImportError, match="no module named"):
        cli.main([])


def test_an_error_in_a_users_strategy_or_check_names_its_file_and_line(tmp_path, capsys):
    mod = tmp_path / "buggy_rows.py"
    mod.write_text(textwrap.dedent('''\
        from hypothesis import strategies as st
        from proofs_check import Statement, check, le
        from proofs_check.strategies import registry_names

        @st.composite
        def named(draw):
            return draw(registry_names())  # line 7: a list, not a strategy

        def fragile(v):
            return check(le("1/v <= 1", 1 / v, 1))  # line 10: v = 0 divides by zero

        STATEMENTS = [
            Statement("U-bad-strategy", "-", "-", "-", named(), lambda name: True),
            Statement("U-bad-check", "-", "-", "-", st.integers(0, 3), fragile),
        ]
        '''))
    code = main(["--statements", str(mod), "--only", "U-bad-strategy,U-bad-check", "--instances", "10",
                 "--quiet", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"AttributeError: 'list' object has no attribute 'validate' (at {mod}:7 in named)" in out
    assert f"ZeroDivisionError: division by zero (at {mod}:10 in fragile)" in out


def test_an_error_raised_inside_the_library_points_at_the_calling_line_of_the_row():
    def row_check(v):
        return check(le("D <= 1", fdiv.divergence("kl", [v, 1.0], [0.5, 0.5]), 1.0))  # v < 0: fdiv refuses

    o = proofs_check.run_row(_stmt(strategy=st.just(-1.0), check=row_check), instances=3, seed=0)
    line = row_check.__code__.co_firstlineno + 1
    assert o.verdict == "ERROR"
    assert o.counterexample["exception"].startswith("ValueError: `q` must contain nonnegative masses")
    assert o.counterexample["exception"].endswith(f"test_user_statements.py:{line} in row_check)")
