"""`python -m gan_backend bound` and `critic` on tiny settings; clean errors on bad input."""
import json

import numpy as np
import pytest

from tests.gan_backend._cli import run_main as _run



def test_bound_json(tmp_path, capsys):
    path = tmp_path / "b.json"
    rc, out, _ = _run(["bound", "--f", "js", "--pair", "gauss", "--seed", "0", "--steps", "200",
                       "--n", "6000", "--json", str(path)], capsys)
    assert rc == 0 and "exact" in out and "grid error" in out
    r = json.loads(path.read_text())
    assert set(r) >= {"f", "pair", "estimate", "exact", "grid_error", "steps", "curve"}
    assert r["f"] == "js" and r["pair"] == "gauss" and r["steps"] == 200
    assert all(len(c) == 2 for c in r["curve"]) and r["curve"][-1][0] == 200
    # exact D_js(Q||P) of the two unit Gaussians is 0.1675 (grid, see _bound_pairs); S6:
    # the held-out estimate is below it up to 4 standard errors and the grid error
    assert 0 < r["grid_error"] < 1e-3 and r["exact"] == pytest.approx(0.16751, abs=1e-4)
    assert r["estimate"] <= r["exact"] + 4 * r["stderr"] + r["grid_error"]
    assert r["estimate"] > 0.5 * r["exact"]


def test_bound_disjoint_kl_is_infinite(tmp_path, capsys):
    path = tmp_path / "d.json"
    rc, out, _ = _run(["bound", "--f", "kl", "--pair", "disjoint", "--seed", "0", "--steps", "300",
                       "--n", "4000", "--json", str(path)], capsys)
    r = json.loads(path.read_text())
    assert rc == 0 and r["exact"] == "inf" and r["grid_error"] == 0.0
    c = np.array([e for _, e in r["curve"]])
    assert c[-1] > c[len(c) // 2] > c[2]


def test_exact_values_on_the_grid():
    """Closed forms for the gauss pair (equal covariances, shift mu): KL = |mu|^2/2,
    chi^2 = e^{|mu|^2} - 1; disjoint boxes: TV = 2 (1 - overlap) = 1.5 exactly."""
    from gan_backend.experiments.bound_pairs import exact_divergence, get_pair

    mu2 = 0.8 ** 2 + 0.3 ** 2
    for name, ex in (("kl", mu2 / 2), ("pearson_chi2", np.expm1(mu2))):
        val, err = exact_divergence(name, get_pair("gauss"))
        assert val <= ex and ex - val <= err  # a coarsening: below, within the stated grid error
    val, err = exact_divergence("tv", get_pair("disjoint"))
    assert val == pytest.approx(1.5, rel=1e-14) and err == 0.0


@pytest.mark.parametrize("args, flag", [
    (["--f", "nope"], "--f"), (["--f", "alpha(nan)"], "--f"), (["--pair", "nope"], "--pair"),
    (["--steps", "0"], "--steps"), (["--json", "/nonexistent_dir/x.json"], "--json"),
])
def test_bound_bad_input(args, flag, capsys, tmp_path):
    base = {"--f": "kl", "--pair": "gauss", "--seed": "0", "--steps": "5", "--n": "100"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    rc, _, err = _run(["bound", *[t for kv in base.items() for t in kv]], capsys)
    assert rc == 2 and err.count("\n") == 1 and flag in err and "Traceback" not in err


def test_critic(tmp_path, capsys):
    out = tmp_path / "c"
    rc, text, _ = _run(["critic", "--seed", "1", "--out", str(out), "--steps", "1500", "--n", "500"], capsys)
    assert rc == 0 and "critic" in text
    g = json.loads((out / "gradients.json").read_text())
    assert isinstance(g["critic"], float) and isinstance(g["gan"], float)
    assert g["critic"] >= 100 * g["gan"]  # the saturated GAN discriminator gives no gradient
    assert g["w1_exact"] == pytest.approx(4.0, rel=1e-6)  # |mu_P - mu_Q|, equal variances
    # KR duality: a critic of Lipschitz constant L gives E_P V - E_Q V <= L W_1 (on the samples);
    # 1% for the slope read off a 2001-point grid
    assert 0 < g["w1_estimate"] <= g["w1_sample"] * 1.01
    assert (out / "critic.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_critic_unwritable_out(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    rc, _, err = _run(["critic", "--seed", "0", "--out", str(f)], capsys)
    assert rc == 2 and "--out" in err and err.count("\n") == 1
