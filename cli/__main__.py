"""``python -m cli``: the ``opendata`` command without the console script (tests and a fresh clone use it)."""

from cli import main

main()
