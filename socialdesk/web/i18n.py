"""The console's strings: English message ids in the templates and code, one gettext
catalogue per other language (locale/<lang>/LC_MESSAGES/messages.po). Indonesian is the
default; English is the per-user option. The .po files are compiled in memory at start-up,
so the package ships no build products."""

from __future__ import annotations

import gettext
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# Found through the package, as an installed wheel lays it out.
LOCALE_DIR = Path(str(files("socialdesk.web") / "locale"))
DEFAULT_LOCALE = "id"
SOURCE_LOCALE = "en"  # the message ids are English


@cache
def translations(locale: str) -> gettext.NullTranslations:
    if locale == SOURCE_LOCALE:
        return gettext.NullTranslations()
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
