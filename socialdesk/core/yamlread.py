"""YAML for the packaged data, read with libyaml's C loader when PyYAML was built with it.

The rules, catalog, guard and lexicon files are read by every process that triages and by
most commands; the pure-Python loader takes several times as long on them. Both loaders are
the safe kind (plain data, no object construction) and give the same result.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    _LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml
    _LOADER = yaml.SafeLoader


def safe_load(text: str) -> Any:
    """The plain data in `text`; raises yaml.YAMLError as yaml.safe_load does."""
    return yaml.load(text, Loader=_LOADER)  # a safe loader, C or Python
