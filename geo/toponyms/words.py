"""The geoparser's word lists: one file per purpose in geo/data/words/, each opened by a header
saying what it is for and where it came from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from geo import config


class WordLists(Mapping[str, frozenset[str]]):
    """Word lists by name ("facility_heads" is geo/data/words/facility_heads.txt), read once."""

    def __init__(self, folder: Path = config.GEOPARSER_WORDS) -> None:
        self.folder = folder
        self._lists: dict[str, frozenset[str]] = {}

    def __getitem__(self, name: str) -> frozenset[str]:
        if name not in self._lists:
            path = self.folder / f"{name}.txt"
            if not path.exists():
                raise KeyError(name)
            self._lists[name] = read_words(path)
        return self._lists[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(p.stem for p in self.folder.glob("*.txt")))

    def __len__(self) -> int:
        return len(list(self.folder.glob("*.txt")))


def read_words(path: Path) -> frozenset[str]:
    """The words of a list file, lower case: one a line, '#' lines are its header."""
    with open(path, encoding="utf-8") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


WORDS = WordLists()
