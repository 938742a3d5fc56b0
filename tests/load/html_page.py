"""An HTML report as a reader meets it: the visible text, headings, table cells and images.
Shared by the load and capacity report tests (parsed, no browser needed)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["Page"]


class Page(HTMLParser):
    """The visible text in order, the headings, the tables' cells and the images."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self.cells: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag not in ("meta", "br"):
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or "style" in self._stack or "title" in self._stack:
            return
        self.text.append(text)
        if self._stack and self._stack[-1] in ("h1", "h2", "h3"):
            self.headings.append(text)
        if "td" in self._stack or "th" in self._stack:
            self.cells.append(text)


REPR_WORDS = ("None", "True", "False", "nan", "inf", "{'", "[{", "':")


def python_reprs(text: str) -> list[str]:
    """The Python reprs a page shows (`None`, `True`, a dict's `{'`...): none, in a report."""
    return [word for word in REPR_WORDS
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]  # fmt: skip
