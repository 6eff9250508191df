"""DSQ105: absolute paths that exist on one machine only."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dsquality.analysis.model import NotebookModel
from dsquality.lint.rule import Finding, LintContext, Rule
from dsquality.lint.rules._regex import lazy_regex
from dsquality.lint.rules.reproducibility._common import _column, _quote

# --- DSQ105 -----------------------------------------------------------------------------------

# Where one user's files live: home directories, mounted volumes, Windows drives and shares,
# ``~/`` (but not ``~/.config``-like dotfiles, which are a convention, not one user's data).
_ABSOLUTE_PATH = lazy_regex(
    r"""^(?:
        /(?:home|Users|media|mnt|Volumes)/[^/\s.][^/\s]*
      | /root/[^/\s.]
      | [A-Za-z]:[\\/]+[\w$~ .()-]+(?:[\\/]|\.\w{1,5}$)
      | \\\\[\w.$-]+\\[\w.$ -]+
      | ~[\\/][^\s.\\/]
    )""",
    re.VERBOSE,
)
_MAX_PATH_LENGTH = 300


class AbsolutePath(Rule):
    r"""A string literal is an absolute path on one machine.

    ## What it does
    Reports string literals that start with a path under a home directory (`/home/…`,
    `/Users/…`, `/root/…`, `~/…`), a mounted volume (`/mnt/…`, `/media/…`, `/Volumes/…`), a
    Windows drive (`C:\…`, `D:/…`) or a network share (`\\server\share`). System paths such as
    `/dev/null`, `/tmp/…` or `/usr/bin/env`, URLs and `~/.config`-style dotfile locations are fine.

    ## Why is this bad?
    The path exists on the author's machine only: the notebook fails for everyone else, and on
    CI, with `FileNotFoundError`.

    ## Example
    ```python
    df = pd.read_csv("/Users/ana/projects/churn/data/customers.csv")
    ```

    ## How to fix
    Use a path relative to the notebook or the project, or make it a (papermill) parameter:
    ```python
    DATA = Path("data")
    df = pd.read_csv(DATA / "customers.csv")
    ```
    """

    code = "DSQ105"
    name = "absolute-path"
    summary = "A string literal is an absolute local path"

    def check(self, model: NotebookModel, context: LintContext) -> Iterator[Finding]:  # noqa: ARG002
        """Report string constants that are absolute local paths."""
        for code in model.code_cells:
            for string in code.facts.strings:
                value = string.value
                if (
                    len(value) < 3  # noqa: PLR2004 - the shortest is ``~/a``
                    or not (value[0] in "/~\\" or value[1] == ":")
                    or len(value) > _MAX_PATH_LENGTH
                    or "\n" in value
                    or not _ABSOLUTE_PATH().match(value)
                ):
                    continue
                yield Finding(
                    f"`{_quote(value, 60)}` is an absolute path on one machine: the notebook fails elsewhere; use "
                    "a path relative to the notebook or the project, or make it a parameter",
                    cell=code.index,
                    line=string.line,
                    column=_column(code, string.line, string.column),
                )
