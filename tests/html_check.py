"""A strict well-formedness check for generated HTML: a doctype, and every element that is
not void closed, in order. Enough to catch a broken template; no network validator needed."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag of void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}"
                                 f" at line {self.getpos()[0]}")
        else:
            self.stack.pop()


def assert_well_formed(html: str) -> None:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    assert checker.doctype, "no <!DOCTYPE html>"
    assert not checker.problems, checker.problems[:5]
    assert not checker.stack, f"left open: {checker.stack}"
