"""Writing a trained model's weights file for the training scripts next to it.

The desk reads the packaged weights when a worker starts; a daemon or a test starting while a
model is being retrained must see the old file or the new one, never half of one. So the file is
written beside its final name and moved over it in one rename.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_model(path: Path, model: dict[str, Any]) -> None:
    """`model` as gzip'd compact JSON at `path`, replaced atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(
                filename=path.name, mode="wb", fileobj=raw) as packed:
            packed.write(json.dumps(model, ensure_ascii=False, separators=(",", ":"))
                         .encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
