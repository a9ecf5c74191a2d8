"""The progress line of the long trainings: counts, percent, elapsed time and ETA."""
import io
import re

from gan_backend.engine.progress import ProgressLine, format_seconds


def test_format_seconds():
    assert [format_seconds(s) for s in (0, 42.4, 59.6, 187, 3600, 7500)] == ["0s", "42s", "1m00s", "3m07s",
                                                                             "1h00m", "2h05m"]


def test_line_has_eta_until_the_last_step_and_ends_with_a_newline(monkeypatch):
    clock = iter([100.0, 110.0, 140.0])  # start, after step 1 of 4 (10 s), after step 4
    monkeypatch.setattr("gan_backend.engine.progress.time.perf_counter", lambda: next(clock))
    out = io.StringIO()
    bar = ProgressLine(True, 4, "job", stream=out)
    bar.show(1, loss=0.5, other=None)
    first = out.getvalue()
    assert re.fullmatch(r"\r\[job\] 1/4 \( 25%\) 10s, ETA 30s  loss=0\.5   ", first), first
    bar.show(4)
    last = out.getvalue()[len(first):]
    assert last.startswith("\r[job] 4/4 (100%) 40s") and "ETA" not in last and last.endswith("\n")


def test_disabled_line_is_silent_and_never_due():
    out = io.StringIO()
    bar = ProgressLine(False, 10, "job", stream=out)
    assert not any(bar.due(s) for s in range(1, 11))
    bar.show(5)
    assert out.getvalue() == ""


def test_due_every_hundredth_and_at_the_end():
    bar = ProgressLine(True, 1050, "job", stream=io.StringIO())
    assert [s for s in range(1, 1051) if bar.due(s)] == list(range(10, 1050, 10)) + [1050]


def test_work_that_stops_early_ends_its_line_so_an_error_starts_a_new_one():
    out = io.StringIO()
    try:
        with ProgressLine(True, 10, "job", stream=out) as bar:
            bar.show(3)
            raise RuntimeError("diverged")
    except RuntimeError:
        pass
    assert out.getvalue().startswith("\r[job] 3/10") and out.getvalue().endswith("\n")
    assert out.getvalue().count("\n") == 1
    done = io.StringIO()
    with ProgressLine(True, 2, "job", stream=done) as bar:
        bar.show(2)
    assert done.getvalue().count("\n") == 1  # a finished line is not ended twice
