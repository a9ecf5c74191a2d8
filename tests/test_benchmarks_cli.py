"""``python -m benchmarks``: row selection (no run of the real rows here: B9 and B10 at smoke size)."""
import pytest

from benchmarks.__main__ import main


@pytest.mark.parametrize("only, needle", [(["B99"], "unknown row id(s) B99"), (["B9,B77", "B3"], "B77"),
                                          ([""], "names no row"), ([",,"], "names no row")])
def test_only_that_names_no_known_row_is_one_line_exit_2(capsys, only, needle):
    with pytest.raises(SystemExit) as e:
        main(["--smoke", "--only", *only])
    cap = capsys.readouterr()
    err = cap.err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1 and needle in err[0] and "the rows are B1" in err[0]
    assert cap.out == ""  # nothing ran, not even the header


def test_only_takes_comma_and_space_separated_ids_in_any_case(capsys):
    assert main(["--smoke", "--only", "b10", "B9"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines[1:]] == ["B9", "B10"]
