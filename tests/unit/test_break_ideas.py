"""The bundled break ideas load from the installed package and translations win."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from respite.core.break_ideas import CATEGORIES, load_ideas, parse_ideas, pick_idea


def test_the_bundled_list_loads_and_covers_every_category() -> None:
    ideas = load_ideas("en_GB.UTF-8")
    assert len(ideas) >= 10
    assert {idea.category for idea in ideas} == set(CATEGORIES)
    assert all(len(idea.text) <= 90 for idea in ideas)


def test_parse_skips_comments_blank_and_malformed_lines() -> None:
    ideas = parse_ideas(["# comment", "", "eyes|Look away", "dance|Not a category", "walk|", "x"])
    assert [(i.category, i.text) for i in ideas] == [("eyes", "Look away")]


@given(st.lists(st.text()))
def test_parse_never_fails_on_any_text(lines: list[str]) -> None:
    for idea in parse_ideas(lines):
        assert idea.category in CATEGORIES and idea.text


def test_a_long_break_gets_an_idea_that_moves_you() -> None:
    ideas = load_ideas("")
    rng = random.Random(7)
    picks = {pick_idea(ideas, long_break=True, rng=rng).category for _ in range(50)}
    assert picks <= {"walk", "water", "stretch"}
