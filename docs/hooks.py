"""MkDocs hook (mkdocs.yml ``hooks:``): demotes one narrow class of warnings to INFO so that ``--strict`` fails on
real problems (broken links, unknown API identifiers, missing pages, unparsable docstrings) and not on this one:

* autorefs' "Could not find cross-reference target '--...'": a command's usage line such as
  ``[--executor serial|joblib|dask]`` rendered by mkdocs-click reads as a Markdown reference; identifiers that start
  with ``--`` are command-line options, never API objects.
"""

from __future__ import annotations

import logging


class _Demote(logging.Filter):
    def __init__(self, needle: str):
        super().__init__()
        self.needle = needle

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and self.needle in record.getMessage():
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def on_startup(command: str, dirty: bool) -> None:
    for mod in ("plugin", "references", "backlinks"):
        logging.getLogger(f"mkdocs.plugins.mkdocs_autorefs._internal.{mod}").addFilter(
            _Demote("cross-reference target '--"))
