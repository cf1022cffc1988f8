"""Where the packaged default data lives, found through importlib.resources.

The defaults ship inside the package (socialdesk/defaults/), so a wheel or a non-editable
install finds them as well as a checkout does. Loaders need real directories (they glob and
read many files), so an install that is not unpacked on disk is refused with a clear error.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULTS_PACKAGE = "socialdesk.defaults"

# The names under the defaults package, one per kind of data that [paths] can override.
CATALOG = "catalog.yaml"
RULES = "rules"
GUARD = "guard.yaml"
REPLIES = "replies"
LEXICON = "lexicon"
DIGEST = "digest"
SECOND_OPINION = "second_opinion.json.gz"
GUARD_MODEL = "guard_opinion.json.gz"
EXAMPLE_SETTINGS = "socialdesk.example.toml"


def default_path(name: str, *, must_exist: bool = True) -> Path:
    """The packaged default `name` (a file or a folder) as a path on disk."""
    resource = files(DEFAULTS_PACKAGE).joinpath(name)
    path = Path(str(resource))
    if must_exist and not path.exists():
        raise FileNotFoundError(
            f"packaged default {name!r} not found at {path}: socialdesk must be installed "
            "unpacked (pip install, not a zip import)"
        )
    return path
