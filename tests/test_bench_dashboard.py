"""benchmarks/bench_dashboard.py: the figures `python -m geo bench` prints for the dashboard."""

from __future__ import annotations

from benchmarks.bench_dashboard import dashboard_figures, synthetic_events


def test_synthetic_events_are_the_same_for_a_seed_and_varied():
    first, again, other = (
        synthetic_events(300),
        synthetic_events(300),
        synthetic_events(300, seed=8),
    )
    assert [e.key for e in first] == [e.key for e in again] != [e.key for e in other]
    assert len({e.key for e in first}) == 300
    assert {e.type for e in first} >= {"exercise", "patrol", "meeting", "arms_deal"}
    assert {p.precision for e in first for p in e.places} == {"point", "area"}


def test_the_figures_cover_each_case_and_the_world_view_draws_every_shown_place():
    lines = dashboard_figures(600)
    assert lines[0]["case"].startswith("read every event") and lines[0]["events"] == 600
    cases = {line["case"]: line for line in lines[1:]}
    assert len(cases) == 4
    for line in cases.values():
        assert line["bytes"] > 0 and line["rss_mb"] > 0 and line["s"] >= 0
    world = cases["world, every event"]
    assert world["places_drawn"] == world["events_shown"] == 600  # one place each
    change = next(line for case, line in cases.items() if "filter change" in case)
    assert 0 < change["places_drawn"] == change["events_shown"] < 600
