"""PEFA 2016 Pillar I formulas and scoring, on hand-computed cases and every threshold edge."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpilib.kpis.pefa import aggregate_outturn, combine, composition_variance, score_dimension


def test_aggregate_outturn_is_actual_over_original():
    assert aggregate_outturn(1000, 950) == 95.0
    assert aggregate_outturn(200, 230) == pytest.approx(115.0)
    assert math.isnan(aggregate_outturn(0, 10))  # nothing budgeted: no outturn to measure


def test_composition_variance_hand_computed():
    # Budget a=100, b=100 (total 200); outturn a=120, b=60 (total 180).
    # Adjusted budget = original × 180/200 = 90 each; deviations |120-90| + |60-90| = 60;
    # variance = 60 / 180 × 100 = 33.33 %.
    assert composition_variance({"a": 100, "b": 100}, {"a": 120, "b": 60}) == pytest.approx(100 / 3)


def test_head_missing_on_one_side_counts_as_zero():
    # Budget a=100 only; outturn a=50, b=50 (total 100): adjusted a=100, b=0;
    # deviations 50 + 50 = 100; variance 100 %.
    assert composition_variance({"a": 100}, {"a": 50, "b": 50}) == pytest.approx(100.0)


def test_more_than_twenty_heads_keeps_the_largest_and_aggregates_the_rest():
    # 25 heads. Heads h00..h19 have budget 10 each (200), h20..h24 budget 1 each (5).
    # The 20 largest make 200/205 = 97.6 % ≥ 75 %, so h20..h24 become one line "other" (5).
    original = {f"h{i:02d}": 10.0 for i in range(20)} | {f"h{i:02d}": 1.0 for i in range(20, 25)}
    # Outturn moves money only between the small heads: h20 gets 5, the others 0.
    actual = dict(original) | {"h20": 5.0, "h21": 0.0, "h22": 0.0, "h23": 0.0, "h24": 0.0}
    # Aggregated, the "other" line is 5 vs 5: no deviation at all.
    assert composition_variance(original, actual) == pytest.approx(0.0)
    # Without aggregation the same data would show (4 + 1 + 1 + 1 + 1) / 205 = 3.9 %.


def test_twenty_heads_are_not_aggregated():
    original = {f"h{i:02d}": 10.0 for i in range(19)} | {"h19": 1.0}
    actual = dict(original) | {"h19": 0.0, "h00": 11.0}
    # 20 heads: no aggregation. Totals equal (191), deviations 1 + 1 = 2, 2/191 = 1.047 %.
    assert composition_variance(original, actual) == pytest.approx(200 / 191)


def test_zero_totals_give_nan():
    assert math.isnan(composition_variance({"a": 0}, {"a": 5}))
    assert math.isnan(composition_variance({"a": 5}, {"a": 0}))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([95.0, 105.0, 50.0], "A"),  # both bounds inclusive
        ([94.99, 105.0, 50.0], "B"),
        ([100.0, 105.01, 50.0], "B"),
        ([90.0, 110.0, 200.0], "B"),
        ([89.99, 110.0, 200.0], "C"),
        ([85.0, 115.0, 50.0], "C"),
        ([84.99, 115.01, 100.0], "D"),
        ([100.0, 100.0, 100.0], "A"),
    ],
)
def test_pi1_edges(values, expected):
    assert score_dimension("1", values) == expected


@pytest.mark.parametrize("dimension", ["2.1", "2.2", "3.2"])
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([4.99, 4.99, 30.0], "A"),
        ([5.0, 4.0, 30.0], "B"),  # exactly 5 % is not below 5 %
        ([9.99, 5.0, 30.0], "B"),
        ([10.0, 10.0, 1.0], "C"),
        ([14.99, 14.99, 30.0], "C"),
        ([15.0, 15.0, 1.0], "D"),
    ],
)
def test_composition_edges(dimension, values, expected):
    assert score_dimension(dimension, values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([2.99, 2.99, 2.99], "A"),
        ([3.0, 3.0, 3.0], "B"),  # 3–6 % inclusive
        ([6.0, 6.0, 6.0], "B"),
        ([6.01, 6.0, 6.0], "C"),  # average 6.0033 > 6
        ([9.99, 9.99, 9.99], "C"),
        ([10.0, 10.0, 10.0], "D"),
        ([0.0, 0.0, 9.0], "B"),  # one bad year: the average 9 / 3 = 3.0 % is a B
    ],
)
def test_contingency_edges_use_the_three_year_average(values, expected):
    assert score_dimension("2.3", values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([97.0, 106.0, 50.0], "A"),
        ([96.99, 106.0, 50.0], "B"),
        ([94.0, 112.0, 50.0], "B"),
        ([93.99, 112.01, 100.0], "C"),
        ([92.0, 116.0, 50.0], "C"),
        ([91.99, 116.01, 100.0], "D"),
    ],
)
def test_pi31_edges(values, expected):
    assert score_dimension("3.1", values) == expected


def test_missing_years_are_never_a_pass():
    nan = math.nan
    assert score_dimension("1", [100.0, 100.0, nan]) == "A"  # two years demonstrate A
    assert score_dimension("1", [100.0, nan, nan]) == "D*"  # one good year proves nothing
    assert score_dimension("1", [100.0, 70.0, None]) == "D*"  # the third year could decide
    assert score_dimension("1", [100.0, 70.0, 60.0]) == "D"
    assert score_dimension("1", [nan, nan, nan]) == "NR"
    assert score_dimension("1", []) == "NR"
    assert score_dimension("2.3", [1.0, 1.0, nan]) == "D*"  # the average needs all three


def test_bad_dimension_or_too_many_years_is_an_error():
    with pytest.raises(ValueError, match="unknown PEFA dimension"):
        score_dimension("4.1", [100.0])
    with pytest.raises(ValueError, match="last 3"):
        score_dimension("1", [100.0] * 4)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (["A"], "A"),
        (["B", "B", "B"], "B"),
        (["C", "A", "B"], "C+"),
        (["D", "A", "A"], "D+"),
        (["D*", "D", "D"], "D"),
        (["A", "NA", "B"], "B+"),
        (["NA", "NA"], "NA"),
        (["A", "NR"], "A"),
    ],
)
def test_m1_weakest_link(scores, expected):
    assert combine("M1", scores) == expected


@pytest.mark.parametrize(
    ("method", "scores", "expected"),
    [
        # A dimension not rated (NR) or not applicable (NA) is left out of the aggregation.
        ("M1", ["B", "NR", "C"], "C+"),  # M1 over B and C: lowest C, the other higher
        ("M1", ["NR", "B", "B"], "B"),
        ("M1", ["D*", "B"], "D+"),  # D* counts as D
        ("M1", ["D*", "NR", "D"], "D"),
        ("M1", ["NR", "A", "NA"], "A"),  # one rated dimension: its own grade
        # M2 uses the conversion table of the number of dimensions rated.
        ("M2", ["NR", "A", "C"], "B"),  # two dimensions, 3 + 1 = 4 points
        ("M2", ["A", "NR"], "A"),  # one dimension: its grade
        ("M2", ["D*", "NR", "B"], "C"),  # two dimensions, 0 + 2 = 2 points
        ("M2", ["C", "C", "A", "NR"], "B"),  # three dimensions, 1 + 1 + 3 = 5 (four: C+)
        # With no dimension rated the indicator stays unscored.
        ("M1", ["NR", "NR"], "NR"),
        ("M2", ["NR", "NR"], "NR"),
        ("M1", ["NA", "NR"], "NR"),
        ("M2", ["NA", "NR"], "NR"),
        ("M1", ["NA", "NA"], "NA"),
        ("M2", ["NA", "NA"], "NA"),
        ("M1", [], "NR"),
    ],
)
def test_indicator_is_scored_on_the_rated_dimensions(method, scores, expected):
    assert combine(method, scores) == expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # PEFA 2016 conversion table, two dimensions.
        (["D", "D"], "D"), (["D", "C"], "D+"), (["D", "B"], "C"), (["D", "A"], "C+"),
        (["C", "C"], "C"), (["C", "B"], "C+"), (["C", "A"], "B"), (["B", "B"], "B"),
        (["B", "A"], "B+"), (["A", "A"], "A"), (["A", "D"], "C+"),
        # Three dimensions.
        (["D", "D", "B"], "D+"), (["D", "D", "A"], "C"), (["D", "C", "A"], "C+"),
        (["D", "B", "A"], "B"), (["C", "B", "A"], "B"), (["C", "A", "A"], "B+"),
        (["B", "A", "A"], "A"), (["B", "B", "A"], "B+"),
        # Four dimensions.
        (["D", "D", "D", "C"], "D"), (["D", "D", "C", "A"], "C"), (["C", "C", "C", "A"], "C+"),
        (["D", "C", "A", "A"], "B"), (["C", "A", "A", "A"], "B+"), (["B", "A", "A", "A"], "A"),
        (["D*", "A"], "C+"),
    ],
)  # fmt: skip
def test_m2_conversion_table(scores, expected):
    assert combine("M2", scores) == expected


def test_combine_rejects_unknown_methods_and_scores():
    with pytest.raises(ValueError, match="M1"):
        combine("M3", ["A"])
    with pytest.raises(ValueError, match="not a PEFA dimension score"):
        combine("M1", ["E"])


amounts = st.floats(min_value=1.0, max_value=1e9, allow_nan=False)


@given(st.dictionaries(st.sampled_from("abcdefgh"), amounts, min_size=1),
       st.floats(min_value=0.01, max_value=100.0))  # fmt: skip
def test_proportional_outturn_has_zero_variance(original, factor):
    actual = {head: value * factor for head, value in original.items()}
    assert composition_variance(original, actual) == pytest.approx(0.0, abs=1e-9)


@given(st.dictionaries(st.sampled_from("abcdefgh"), amounts, min_size=1),
       st.dictionaries(st.sampled_from("abcdefgh"), amounts, min_size=1),
       st.floats(min_value=1e-3, max_value=1e3))  # fmt: skip
def test_scaling_all_amounts_changes_no_measure(original, actual, scale):
    scaled_original = {h: v * scale for h, v in original.items()}
    scaled_actual = {h: v * scale for h, v in actual.items()}
    assert composition_variance(scaled_original, scaled_actual) == pytest.approx(
        composition_variance(original, actual)
    )
    total_original, total_actual = sum(original.values()), sum(actual.values())
    assert aggregate_outturn(total_original * scale, total_actual * scale) == pytest.approx(
        aggregate_outturn(total_original, total_actual)
    )


RANK = {"A": 3, "B": 2, "C": 1, "D": 0, "D*": 0}
dimension_values = {
    "1": st.floats(min_value=50, max_value=150),
    "2.1": st.floats(min_value=0, max_value=40),
    "2.3": st.floats(min_value=0, max_value=15),
    "3.1": st.floats(min_value=50, max_value=150),
}


@given(st.sampled_from(sorted(dimension_values)), st.data())
def test_a_larger_deviation_never_improves_the_score(dimension, data):
    values = data.draw(st.lists(dimension_values[dimension], min_size=3, max_size=3))
    index = data.draw(st.integers(0, 2))
    extra = data.draw(st.floats(min_value=0, max_value=50))
    worse = list(values)
    centre = {"1": 100.0, "3.1": 101.5}.get(dimension)
    if centre is None:  # variance-type: larger is worse
        worse[index] = values[index] + extra
    else:  # outturn-type: further from the centre is worse
        direction = 1.0 if values[index] >= centre else -1.0
        worse[index] = values[index] + direction * extra
    assert RANK[score_dimension(dimension, worse)] <= RANK[score_dimension(dimension, values)]


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.tuples(
            st.floats(min_value=0, max_value=1e12, allow_nan=False),
            st.floats(min_value=0, max_value=1e12, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_composition_variance_does_not_depend_on_the_order_of_the_heads(heads, rng):
    items = list(heads.items())
    shuffled = items[:]
    rng.shuffle(shuffled)
    first = composition_variance({h: b for h, (b, _) in items}, {h: a for h, (_, a) in items})
    again = composition_variance({h: b for h, (b, _) in shuffled}, {h: a for h, (_, a) in shuffled})
    assert (math.isnan(first) and math.isnan(again)) or first == again
