"""Several runs of a sequential training algorithm in lockstep, their trainings batched.

An AdaGAN run (Algorithm 1, :func:`gan_backend.adagan.adagan_steps`) alternates small
host work (mixture samples, discriminator outputs, data weights) with two trainings per
step: a mixture discriminator and a new component GAN. :func:`run_lockstep` runs R such
runs side by side, each written as an ordinary function of a training *engine*
``job(engine) -> result``; the engine has the signatures of
:func:`gan_backend.engine.train.train_gan` and :func:`gan_backend.engine.train.train_classifier`
(:class:`LockstepEngine`). A call does not train: it hands its request to the
coordinator and waits. Once every run still going is waiting (or finished), the
coordinator executes the waiting requests, the GANs of one config and data shape in one
:func:`~gan_backend.engine.batched.train_gans_batched` call, the classifiers likewise in one
:func:`~gan_backend.engine.batched.train_classifiers_batched` call, and hands each run its own
result. Runs that are at the same AdaGAN step thus train together: the t-th mixture
discriminators of all R runs in one batch, then their t-th components in another.

Same numbers as running the jobs one by one with the serial engine
(:mod:`gan_backend.engine.train`): every request carries its run's own
:class:`numpy.random.Generator`, from which the batched trainers draw exactly what the
serial ones draw, in the same order, so each run's stream, and everything the run does
with it between trainings, is the serial run's. In float64 a run agrees with the serial
one to rounding (``tests/gan_backend/engine/test_lockstep.py``).

Each run keeps its own failures: a GAN of a batch that diverges comes back to its run as
the :class:`~gan_backend.engine.train.TrainingDivergedError` that :func:`~gan_backend.engine.train.train_gan`
raises, an exception of a job is that job's result, and the other runs go on.

The runs are threads used as coroutines: exactly one of them (or the coordinator) runs at
any time, handing over through semaphores, so nothing they share (BLAS thread limits,
compiled kernels, caches) is ever used concurrently and the order of their work is fixed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from gan_backend.engine._validate import optional_positive_int
from gan_backend.engine import batched
from gan_backend.engine.train import check_config

__all__ = ["LockstepEngine", "LockstepCancelled", "run_lockstep"]


class LockstepCancelled(RuntimeError):
    """Raised in a run's training call when the coordinator stopped (e.g. Ctrl-C during a
    batched training) before answering it, so that the run unwinds.

    Examples
    --------
    >>> issubclass(LockstepCancelled, RuntimeError)
    True
    """


@dataclass(frozen=True, eq=False)
class _Request:
    kind: str  # "gan" or "classifier"
    group: tuple  # requests with equal groups train in one batched call
    args: dict


class LockstepEngine:
    """The trainings one run of :func:`run_lockstep` sees: :meth:`train_gan` and
    :meth:`train_classifier`, with :mod:`gan_backend.engine.train`'s signatures and results, each
    call executed in a batch with the other runs' calls.

    Not built directly: :func:`run_lockstep` hands one to each job.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend import GanConfig
    >>> from gan_backend.engine import train
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(3.0, 1.0, (256, 2)), rng.normal(-3.0, 1.0, (256, 2))
    >>> cfg = GanConfig(batch_size=64, init_std=0.1, dtype="float64")
    >>> def job(engine):                    # a discriminator: batched here, serial with train
    ...     clf = engine.train_classifier(real, fake, cfg, rng=0, epochs=20)
    ...     return clf.prob(np.array([[3.0, 3.0], [-3.0, -3.0]]))
    >>> a, b = run_lockstep([job, job])
    >>> bool(a[0] > 0.5 > a[1]), bool(np.abs(a - job(train)).max() < 1e-10)
    (True, True)
    """

    def __init__(self, hub: "_Hub", run: int) -> None:
        self._hub, self._run = hub, run

    def train_gan(self, x, config=None, *, weights=None, rng=None, progress: bool = False):
        """As :func:`gan_backend.train_gan` (``progress`` is ignored: the batch has no
        per-run progress line)."""
        c = check_config(config)
        return self._hub.ask(self._run, _Request("gan", ("gan", c, np.shape(x)),
                                                 {"x": x, "weights": weights, "rng": rng}))

    def train_classifier(self, x_real, x_fake, config=None, *, rng=None, epochs: int | None = None,
                         progress: bool = False):
        """As :func:`gan_backend.train_classifier` (``progress`` is ignored)."""
        c = check_config(config)
        epochs = c.epochs if epochs is None else epochs
        group = ("classifier", c, epochs, np.shape(x_real), np.shape(x_fake))
        return self._hub.ask(self._run, _Request("classifier", group,
                                                 {"real": x_real, "fake": x_fake, "rng": rng}))


class _Hub:
    """The hand-over between the coordinator and the run threads (one runs at a time)."""

    def __init__(self, jobs: Sequence[Callable]) -> None:
        n = len(jobs)
        self.turn = [threading.Semaphore(0) for _ in range(n)]  # run r may go on
        self.back = threading.Semaphore(0)  # the coordinator may go on
        self.requests: dict[int, _Request] = {}
        self.replies: dict[int, tuple[bool, object]] = {}
        self.results: list = [None] * n
        self.threads = [threading.Thread(target=self._body, args=(r, job), name=f"lockstep-run-{r}", daemon=True)
                        for r, job in enumerate(jobs)]

    def _body(self, r: int, job: Callable) -> None:
        self.turn[r].acquire()
        try:
            self.results[r] = job(LockstepEngine(self, r))
        except BaseException as exc:  # the job's result; re-raised by run_lockstep if not an Exception
            self.results[r] = exc
        finally:
            self.back.release()

    def ask(self, r: int, request: _Request):
        """Run r's side: post ``request``, give the turn back, wait for the reply."""
        self.requests[r] = request
        self.back.release()
        self.turn[r].acquire()
        ok, value = self.replies.pop(r)
        if not ok:
            raise value
        return value

    def resume(self, r: int) -> None:
        """Coordinator's side: let run r go on until it asks again or finishes."""
        self.turn[r].release()
        self.back.acquire()

    def cancel(self) -> None:
        """Answer every waiting run with :class:`LockstepCancelled` until none waits (each
        run unwinds in its turn, one at a time as always)."""
        while self.requests:
            waiting = sorted(self.requests)
            self.requests.clear()
            for r in waiting:
                self.replies[r] = (False, LockstepCancelled("the lockstep coordinator stopped before this training"))
                self.resume(r)


def _execute(requests: list[_Request], batch_runs: int | None) -> list:
    """One batched call for ``requests`` (one group); one result or exception per request."""
    config = requests[0].group[1]
    if requests[0].kind == "gan":
        return batched.train_gans_batched([q.args["x"] for q in requests], config,
                                  weights=[q.args["weights"] for q in requests],
                                  rngs=[q.args["rng"] for q in requests], batch_runs=batch_runs)
    return batched.train_classifiers_batched([q.args["real"] for q in requests], [q.args["fake"] for q in requests],
                                     config, rngs=[q.args["rng"] for q in requests],
                                     epochs=requests[0].group[2], batch_runs=batch_runs)


def _serve(hub: _Hub, batch_runs: int | None) -> None:
    """Execute the waiting requests, grouped, and hand each its reply."""
    waiting = dict(sorted(hub.requests.items()))
    groups: dict = {}
    for r, q in waiting.items():
        groups.setdefault(q.group, []).append(r)
    for group, runs in groups.items():
        try:
            out = _execute([waiting[r] for r in runs], batch_runs)
        except Exception as exc:  # the whole batch failed: every run of it gets the error
            out = [exc] * len(runs)
        for r, value in zip(runs, out):
            hub.replies[r] = (not isinstance(value, Exception), value)
    hub.requests.clear()  # answered (kept until now so that a stop in between cancels them)


def run_lockstep(jobs: Sequence[Callable], *, batch_runs: int | None = None) -> list:
    """Run ``jobs[r](engine)`` for every r with their trainings batched across the runs.

    Parameters
    ----------
    jobs : sequence of callable ``engine -> result``
        Each run, written against a training engine with :mod:`gan_backend.engine.train`'s
        ``train_gan`` and ``train_classifier`` (a :class:`LockstepEngine` here; passing
        ``gan_backend.engine.train`` itself runs the job serially with the same numbers).
    batch_runs : int, optional
        Most runs per batched training call (None: all the waiting runs of a group).

    Returns
    -------
    list
        One entry per job, in order: its return value or the :class:`Exception` it raised.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend import GanConfig
    >>> from gan_backend.engine import train
    >>> cfg = GanConfig(epochs=1, batch_size=64, dtype="float64")
    >>> xs = [np.random.default_rng(i).normal(size=(256, 2)) for i in range(3)]
    >>> def job(x, seed):
    ...     return lambda engine: engine.train_gan(x, cfg, rng=np.random.default_rng(seed))
    >>> together = run_lockstep([job(x, s) for s, x in enumerate(xs)])
    >>> alone = [job(x, s)(train) for s, x in enumerate(xs)]
    >>> bool(max(np.abs(a.net.params - b.net.params).max() for a, b in zip(together, alone)) < 1e-10)
    True
    """
    jobs = list(jobs)
    for r, job in enumerate(jobs):
        if not callable(job):
            raise ValueError(f"`jobs[{r}]` must be callable engine -> result; got {type(job).__name__}")
    batch_runs = optional_positive_int("batch_runs", batch_runs)
    hub = _Hub(jobs)
    for t in hub.threads:
        t.start()
    try:
        for r in range(len(jobs)):
            hub.resume(r)
        while hub.requests:
            _serve(hub, batch_runs)
            for r in sorted(hub.replies):
                hub.resume(r)
    except BaseException:
        hub.cancel()
        raise
    for t in hub.threads:
        t.join()
    for res in hub.results:
        if isinstance(res, BaseException) and not isinstance(res, Exception):
            raise res
    return hub.results
