"""The simulated desk day behind the estimate's error figure is itself sound."""

from __future__ import annotations

from bench import desk_bench


def test_a_simulated_day_serves_most_customers_and_scores_every_one() -> None:
    day = desk_bench.simulate_day(seed=3)
    assert 300 <= day["arrived"] <= 460  # about 85 % of six agents' day
    assert day["served"] + day["gave_up"] <= day["arrived"]
    assert day["served"] > 0.7 * day["arrived"]
    # Every served customer had an estimate; the error is in minutes and sane.
    assert 0 <= day["abs_error_min_median"] <= day["abs_error_min_p90"] < 30
    assert 0 <= day["shown_not_exceeded_pct"] <= 100
    assert desk_bench.simulate_day(seed=3) == day  # a seed gives the same day
