"""MkDocs hook (mkdocs.yml ``hooks:``): demotes two narrow classes of warnings to INFO so that ``--strict`` fails on
real problems (broken links, unknown API identifiers, missing pages) and not on these:

* griffe's "Could not parse line" for prose placed inside a numpy-style ``Parameters`` section (it still renders);
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
    logging.getLogger("mkdocs.plugins.griffe").addFilter(_Demote("Could not parse line"))
    for mod in ("plugin", "references", "backlinks"):
        logging.getLogger(f"mkdocs.plugins.mkdocs_autorefs._internal.{mod}").addFilter(
            _Demote("cross-reference target '--"))
