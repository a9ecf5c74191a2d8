"""AdaGAN runs in lockstep (gan_backend.engine.lockstep) against the same runs one by one.

Reference: each run's trajectory with the serial engine (:mod:`gan_backend.engine.train`, one
``train_gan`` / ``train_classifier`` call at a time). In lockstep every run's requests
carry its own generator and the batched trainers draw from it exactly what the serial
ones draw, so in float64 the only differences are the order of terms in matrix products
(~1e-16 relative per operation): component parameters must agree to PARAM_TOL = 1e-10
(as the batched engine's own test after 200 steps; observed 1.1e-16 here), and each run's
generator must end in the serial run's state (the same number of draws of each kind). The
discriminator outputs, betas and data weights are smooth functions of those parameters
(TopKUniform's top-k cut moves only if two D values tie within ~1e-15), so VALUE_TOL = 1e-9
(observed 2.7e-15).
"""
import numpy as np
import pytest

from gan_backend import GanConfig
from gan_backend.engine import train
from gan_backend.adagan import AdaGanError
from gan_backend.engine.lockstep import LockstepCancelled, run_lockstep
from gan_backend.adagan.methods import AdaGanOptions, get

PARAM_TOL = 1e-10
VALUE_TOL = 1e-9

CFG = GanConfig(dtype="float64", batch_size=64, epochs=2)  # 256 points: 4 steps per epoch
OPTIONS = AdaGanOptions(classifier_epochs=3)


def _data(r, n=256):
    rng = np.random.default_rng(40 + r)
    return rng.normal(size=(n, 2)) * (1 + r) + rng.integers(0, 3, size=(n, 1)) * 4.0


def _job(method, x, seed, cfg=CFG, **kw):
    """One run as a function of its engine: the list of its AdaGAN step records."""

    def job(engine):
        snaps = get(method).trajectory(x, T=3, config=cfg, rng=np.random.default_rng(seed), options=OPTIONS,
                                       engine=engine, **kw)
        return [s.step for s in snaps]

    return job


def _rng_state_after(method, x, seed, engine, cfg=CFG):
    """The run's generator after its trajectory (to compare the number of draws)."""
    rng = np.random.default_rng(seed)
    list(get(method).trajectory(x, T=3, config=cfg, rng=rng, options=OPTIONS, engine=engine))
    return rng.bit_generator.state


def _assert_same_steps(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert a.t == b.t
        assert float(np.abs(a.component.net.params - b.component.net.params).max()) <= PARAM_TOL
        assert abs(a.beta - b.beta) <= VALUE_TOL
        assert float(np.abs(a.weights - b.weights).max()) <= VALUE_TOL
        if b.d is None:
            assert a.d is None
        else:
            assert float(np.abs(a.d - b.d).max()) <= VALUE_TOL
        assert (a.lam is None) == (b.lam is None)
        if b.lam is not None:
            assert abs(a.lam - b.lam) <= VALUE_TOL


def test_lockstep_adagan_runs_equal_the_runs_one_by_one():
    """Three Boosted runs and a TopKLast run (different data and seeds, T = 3, GAN 1
    trained inside) in lockstep: run by run the serial records."""
    runs = [("boosted", _data(0), 1), ("boosted", _data(1), 2), ("topklast", _data(2), 3), ("boosted", _data(0), 4)]
    jobs = [_job(m, x, s) for m, x, s in runs]
    together = run_lockstep(jobs)
    for (m, x, s), job, got in zip(runs, jobs, together):
        assert not isinstance(got, Exception), got
        _assert_same_steps(got, job(train))


def test_each_run_keeps_its_own_stream():
    """Each run's generator ends in the state its serial run leaves it in."""
    xs = [_data(0), _data(1)]
    states = run_lockstep([lambda e, x=x, s=s: _rng_state_after("boosted", x, s, e) for s, x in enumerate(xs)])
    assert states == [_rng_state_after("boosted", x, s, train) for s, x in enumerate(xs)]


def test_trainings_of_a_step_are_batched_together(monkeypatch):
    """With T = 3 and GAN 1 trained inside, four runs make five batched calls of four:
    GAN 1, then per later step the mixture discriminators and the components."""
    from gan_backend.engine import batched

    calls = []
    for name in ("train_gans_batched", "train_classifiers_batched"):
        real = getattr(batched, name)

        def spy(*a, _real=real, _name=name, **kw):
            calls.append((_name, len(a[0])))
            return _real(*a, **kw)

        monkeypatch.setattr(batched, name, spy)
    out = run_lockstep([_job("boosted", _data(r), r) for r in range(4)])
    assert all(not isinstance(o, Exception) for o in out)
    g, c = ("train_gans_batched", 4), ("train_classifiers_batched", 4)
    assert calls == [g, c, g, c, g]


@pytest.fixture
def exact_fgan_gradient(monkeypatch):
    """f-GAN objectives with ``grad_cap=None`` (the exact gradient, which overflows on
    some seeds): a real divergence."""
    from gan_backend.engine.objectives import FGan

    monkeypatch.setattr(FGan.__init__, "__kwdefaults__", {**FGan.__init__.__kwdefaults__, "grad_cap": None})


def test_a_diverged_run_fails_alone_with_the_serial_error(exact_fgan_gradient):
    """fgan:reverse_kl (non-saturating generator loss, exact gradient) on data of scale 15:
    with seed 3 the first GAN diverges in epoch 1 (seeds 0-2 train). In one lockstep
    batch the diverged run's result is the serial run's AdaGanError (same message) and
    the other runs are their serial selves."""
    cfg = GanConfig(dtype="float64", batch_size=64, epochs=3, objective="fgan:reverse_kl")
    x = np.random.default_rng(3).normal(size=(640, 2)) * 15
    seeds = [0, 3, 1]
    jobs = [_job("boosted", x, s, cfg) for s in seeds]
    with np.errstate(all="ignore"):
        together = run_lockstep(jobs)
        for s, job, got in zip(seeds, jobs, together):
            try:
                want = job(train)
            except AdaGanError as exc:
                want = exc
            if isinstance(want, Exception):
                assert isinstance(got, AdaGanError) and str(got) == str(want)
            else:
                _assert_same_steps(got, want)
    assert isinstance(together[1], AdaGanError)
    assert str(together[1]).startswith("AdaGAN step 1: training the component failed: TrainingDivergedError")
    assert not isinstance(together[0], Exception) and not isinstance(together[2], Exception)


def test_job_errors_and_bad_jobs(monkeypatch):
    """A job's own exception is its result (the other runs go on); a non-callable job is a
    ValueError; when the coordinator itself is stopped (e.g. Ctrl-C while training) the
    waiting runs are answered with LockstepCancelled and the stop propagates."""
    from gan_backend.engine import lockstep

    def boom(engine):
        raise KeyError("no")

    x = _data(0)
    out = run_lockstep([boom, lambda e: e.train_gan(x, CFG, rng=0)])
    assert isinstance(out[0], KeyError)
    assert float(np.abs(out[1].net.params - train.train_gan(x, CFG, rng=0).net.params).max()) <= PARAM_TOL
    with pytest.raises(ValueError, match=r"jobs\[1\]"):
        run_lockstep([boom, 3])
    with pytest.raises(ValueError, match="batch_runs"):
        run_lockstep([boom], batch_runs=0)

    class Stop(BaseException):
        pass

    def interrupted(*a, **k):
        raise Stop

    seen = []

    def waits(engine):
        try:
            engine.train_gan(x, CFG, rng=0)
        except LockstepCancelled as exc:
            seen.append(exc)
            raise

    monkeypatch.setattr(lockstep, "_execute", interrupted)
    with pytest.raises(Stop):
        run_lockstep([waits, waits])
    assert len(seen) == 2
