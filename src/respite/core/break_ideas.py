"""Break ideas shown in the break window, from a bundled, translatable list.

`breaks.txt` holds the English list; `breaks.<lang>.txt` (e.g. breaks.de.txt or
breaks.pt_BR.txt) holds a translation and is preferred when the user's locale matches.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files

CATEGORIES = ("eyes", "stretch", "water", "walk", "breathe")


@dataclass(frozen=True, slots=True)
class BreakIdea:
    category: str
    text: str


def parse_ideas(lines: Iterable[str]) -> list[BreakIdea]:
    ideas = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        category, separator, text = line.partition("|")
        if separator and category.strip() in CATEGORIES and text.strip():
            ideas.append(BreakIdea(category.strip(), text.strip()))
    return ideas


def _candidates(locale_name: str) -> list[str]:
    language = locale_name.split(".")[0]
    names = [f"breaks.{language}.txt"] if language and language not in ("C", "POSIX") else []
    if "_" in language:
        names.append(f"breaks.{language.split('_')[0]}.txt")
    return [*names, "breaks.txt"]


def load_ideas(locale_name: str = "") -> list[BreakIdea]:
    resources = files("respite.resources")
    for name in _candidates(locale_name):
        resource = resources.joinpath(name)
        if resource.is_file():
            ideas = parse_ideas(resource.read_text(encoding="utf-8").splitlines())
            if ideas:
                return ideas
    return [BreakIdea("breathe", "Take three slow breaths and look away from the screen.")]


def pick_idea(ideas: list[BreakIdea], long_break: bool, rng: random.Random) -> BreakIdea:
    """A walk or water idea suits a long break; anything suits a short one."""
    pool = [i for i in ideas if i.category in ("walk", "water", "stretch")] if long_break else []
    return rng.choice(pool or ideas)
