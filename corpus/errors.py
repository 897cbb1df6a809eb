"""The one error type for bad input files, shared by corpus/, codebooks/ and coding/.

Why one type: the CLI and the UI catch exactly this and show a single readable line
("FILE: problem") instead of a traceback.
"""
from __future__ import annotations

import os


class InputError(ValueError):
    """Bad input: one readable line naming the file and the problem."""

    def __init__(self, path: str | os.PathLike | None, problem: str):
        # args = (path, problem) so the error survives pickling (multiprocessing, Streamlit).
        super().__init__(path, problem)
        self.path: str | None = None if path is None else os.fsdecode(path)
        # Library messages (lxml, zipfile) can span lines; the contract is one line.
        self.problem: str = " ".join(str(problem).split())

    def __str__(self) -> str:
        if self.path is None:
            return self.problem
        return f"{self.path}: {self.problem}"
