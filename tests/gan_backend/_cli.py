"""``python -m gan_backend`` run in process, for the command tests."""
from gan_backend.__main__ import main


def run_main(argv, capsys):
    """main() in process: (exit status, stdout, stderr); argparse errors exit via SystemExit."""
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code
    out = capsys.readouterr()
    return rc, out.out, out.err
