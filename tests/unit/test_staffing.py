"""Erlang C against published figures and against the textbook formula."""
import math

import pytest

from handoff.staffing import agents_needed, average_speed_of_answer, erlang_b, erlang_c, service_level


def textbook_erlang_c(a: float, n: int) -> float:
    """C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), computed directly."""
    top = a ** n / math.factorial(n) * n / (n - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)


def test_the_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula – Made Simple with an Easy Worked Example"
    (callcentrehelper.com): 100 calls in 30 minutes, average handle time 180 s, target 80 % of
    calls answered in 20 s. Traffic intensity 100 × 180 / 1800 = 10 Erlangs; with 11 agents the
    probability of waiting is 68.21 % and the service level 39 %; the article keeps adding
    agents and arrives at 14 (service level 88.8 %; 13 agents give 79.6 %, just short)."""
    assert erlang_c(10, 11) == pytest.approx(0.6821, abs=5e-5)
    assert service_level(10, 11, 20, 180) == pytest.approx(0.39, abs=5e-3)
    assert service_level(10, 13, 20, 180) == pytest.approx(0.796, abs=5e-4)
    assert service_level(10, 14, 20, 180) == pytest.approx(0.888, abs=5e-4)
    result = agents_needed(arrivals_per_hour=200, handle_seconds=180, target_seconds=20, target_share=0.8)
    assert result.traffic_erlangs == pytest.approx(10)
    assert result.agents == 14
    assert result.occupancy == pytest.approx(10 / 14)


def test_erlang_b_matches_the_published_table():
    """The standard Erlang B table (as printed in teletraffic textbooks and trunk-sizing
    tables): 10 Erlangs offered to 10 trunks are blocked 21.46 % of the time; 1 Erlang on 1
    trunk, 50 % (B = A / (1 + A))."""
    assert erlang_b(1, 1) == pytest.approx(0.5)
    assert erlang_b(10, 10) == pytest.approx(0.2146, abs=5e-5)


@pytest.mark.parametrize("a,n", [(0.5, 1), (2.0, 3), (10, 11), (48, 55), (80.5, 95), (150, 165)])
def test_the_iterative_form_equals_the_textbook_formula(a, n):
    assert erlang_c(a, n) == pytest.approx(textbook_erlang_c(a, n), rel=1e-9)


def test_it_stays_finite_where_factorials_overflow():
    # 171! overflows a float: the textbook form cannot be evaluated here, the recurrence can.
    c = erlang_c(900, 940)
    assert 0 < c < 1
    assert agents_needed(36000, 90, 20, 0.8).agents > 900


def test_too_few_agents_always_wait():
    assert erlang_c(10, 10) == 1.0 and erlang_c(10, 3) == 1.0
    assert service_level(10, 10, 20, 180) == 0.0
    assert average_speed_of_answer(10, 9, 180) == math.inf


def test_no_arrivals_need_one_agent_who_never_keeps_anyone_waiting():
    result = agents_needed(0, 300, 600, 0.8)
    assert (result.agents, result.probability_wait, result.service_level) == (1, 0.0, 1.0)


def test_more_agents_never_lower_the_service_level():
    levels = [service_level(20, n, 600, 400) for n in range(21, 40)]
    assert levels == sorted(levels)


@pytest.mark.parametrize("args", [(-1, 180, 20, 0.8), (10, 0, 20, 0.8), (10, 180, -1, 0.8), (10, 180, 20, 1.0),
                                  (10, 180, 20, 0)])
def test_bad_input_is_refused(args):
    with pytest.raises(ValueError):
        agents_needed(*args)
