"""The value models' compiled loops: a campaign day's orders, booking them, and the
horizon after the campaign simulated order by order instead of day by day.

Every draw is counter-based (``sim.value.sampling``) under the run's ``orders`` key:
campaign day d uses person i's counters from ``d × DAY`` (its orders first, the value
of each order from ``d × DAY + SPEND``), the horizon those from ``HORIZON``. So a
person's orders depend only on the seed, the person and their own history, never on
who else bought.

Why the horizon skips the daily loop: after the last day nobody invites, joins or is
paid, so each member's purchases are independent of everyone else's. Between orders a
buying customer waits an exponential time (a Poisson process, BG/NBD) or a geometric
number of days (the daily model), and an order costs a few draws: a year of a million
members costs what their orders cost, not 365 passes over them.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.value.sampling import exponential, gamma, geometric, poisson, uniform

DAY = 1 << 16  # counters per campaign day and person
SPEND = 1 << 15  # where a day's order values start (after its order draws)
_OPTIONS = {"cache": True, "nogil": True}


@numba.njit(**_OPTIONS, inline="always")
def order_value(
    key: np.uint64,
    person: int,
    counter: int,
    shape: float,
    scale: float,
    premium: float,
    decay: float,
    age: float,
) -> tuple[float, int]:
    """One order's revenue (yuan): ``scale`` × Gamma(shape, 1) (Gamma-Gamma spend;
    ``shape`` 0: exactly ``scale``), raised by a referral premium that erodes with the
    customer's age (days); and the next free counter."""
    value = scale
    if shape > 0.0:
        g, counter = gamma(key, person, counter, shape)
        value *= g
    if premium != 0.0:
        value *= 1.0 + premium * math.exp(-decay * age)
    return value, counter


@numba.njit(**_OPTIONS)
def chance_today(
    buyers: np.ndarray,
    customer: np.ndarray,
    rate: np.ndarray,
    segment: np.ndarray,
    first_chance: np.ndarray,
    dead: np.ndarray,
) -> np.ndarray:
    """Each buyer's chance of at least one order today, before the lure: 1 − e^(−rate)
    for a customer, the first-order chance of their segment (``first_chance``, by
    segment) for one who has not bought, 0 after dropping out."""
    out = np.empty(buyers.size, dtype=np.float64)
    for k in range(buyers.size):
        i = buyers[k]
        if dead[i]:
            out[k] = 0.0
        elif customer[i]:
            out[k] = -math.expm1(-rate[i])
        else:
            out[k] = first_chance[segment[i]]
    return out


@numba.njit(**_OPTIONS)
def orders_today(
    key: np.uint64,
    day: int,
    buyers: np.ndarray,
    chance: np.ndarray,
    lifted: np.ndarray,
    customer: np.ndarray,
    rate: np.ndarray,
    dropout: np.ndarray,
    dead: np.ndarray,
    invites: np.ndarray,
    referrer_factor: float,
) -> np.ndarray:
    """BG/NBD orders on one campaign day: a customer places Poisson(rate × lift) orders
    (the lure's lift of the chance, ``lifted ÷ chance``, as a lift of the rate) and drops
    out after each with ``dropout`` (memoryless: the orders before dropping out are
    geometric); a convertible who has not bought converts with the lifted chance, one
    order, and becomes a customer (no dropout at the first order: BG/NBD's customers are
    born at their first purchase). A member who has referred someone drops out with
    ``referrer_factor`` × their ``dropout``. Writes ``customer`` and ``dead``."""
    counts = np.zeros(buyers.size, dtype=np.int64)
    start = day * DAY
    for k in range(buyers.size):
        i = buyers[k]
        if dead[i] or lifted[k] <= 0.0 or chance[k] <= 0.0:
            continue
        if not customer[i]:
            if uniform(key, i, start) < lifted[k]:
                counts[k] = 1
                customer[i] = True
            continue
        n, counter = poisson(key, i, start, rate[i] * lifted[k] / chance[k])
        p = dropout[i] * (referrer_factor if invites[i] > 0 else 1.0)
        if n > 0 and p > 0.0:
            survived = geometric(key, i, counter, p)  # orders up to dropping out
            if survived <= n:
                n = survived
                dead[i] = True
        counts[k] = n
    return counts


@numba.njit(**_OPTIONS)
def book_orders(
    key: np.uint64,
    day: int,
    people: np.ndarray,
    counts: np.ndarray,
    joined: np.ndarray,
    shape: float,
    scale: np.ndarray,
    premium: np.ndarray,
    decay: float,
    worth_per_yuan: float,
    orders: np.ndarray,
    spent: np.ndarray,
    worth: np.ndarray,
) -> float:
    """Book a campaign day's orders (``counts[k]`` for ``people[k]``): each order's value,
    into each person's orders, revenue (``spent``) and discounted margin (``worth``,
    ``worth_per_yuan`` of each yuan on this day). Returns the day's revenue (yuan)."""
    total = 0.0
    for k in range(people.size):
        i = people[k]
        counter = day * DAY + SPEND
        revenue = 0.0
        for _ in range(counts[k]):
            value, counter = order_value(
                key, i, counter, shape, scale[i], premium[i], decay, day - joined[i]
            )
            revenue += value
        orders[i] += counts[k]
        spent[i] += revenue
        worth[i] += revenue * worth_per_yuan
        total += revenue
    return total


@numba.njit(**_OPTIONS)
def horizon(
    key: np.uint64,
    people: np.ndarray,
    last_day: int,
    days: int,
    continuous: bool,
    buying: tuple,
    spend: tuple,
    money: tuple,
    books: tuple,
    by_day: tuple,
    groups: tuple,
) -> None:
    """Every order of ``people`` in the ``days`` after ``last_day``, person by person.

    A person who is not a customer yet first converts on a day drawn with the daily
    ``first_chance`` of their segment (never after dropping out, or with chance 0). A
    customer's next order comes an exponential time later at ``rate`` per day, after which they drop
    out with ``dropout`` (``continuous``, BG/NBD), or on the next day drawn with daily
    chance ``rate``, never dropping out (the daily model).

    Args (tuples of arrays, by person number unless said):
        buying: (customer, rate, segment, first_chance by segment, dropout, dead).
        spend: (shape, scale, premium, decay, joined day).
        money: (margin share, discount per day: a yuan on day t is worth e^(−discount·t)).
        books: (orders, spent, worth) per person, added to.
        by_day: (orders, revenue, worth, dropouts) per horizon day (index 0 = the day
            after the campaign's last), added to.
        groups: (slow_from, slow, home, week_orders, week_revenue): from day
            ``slow_from[i]`` on (every group of i's dead) i's rate and chances are × ``slow``
            (empty ``slow_from``: nobody slows); i's orders and revenue go to group
            ``home[i]`` (−1: none; empty: no groups) in week ⌈t⌉ // 7 of the 2-d arrays.
            With ``slow`` = 1 or no group dead, every draw is what it is without them.
    """
    customer, rate, segment, first_chance, dropout, dead = buying
    shape, scale, premium, decay, joined = spend
    margin, discount = money
    orders, spent, worth = books
    day_orders, day_revenue, day_worth, day_dropouts = by_day
    slow_from, slow, home, week_orders, week_revenue = groups
    end = float(last_day + days)
    for k in range(people.size):
        i = people[k]
        if dead[i]:
            continue
        # From this time on every group of i's is dead and i buys × slow (never: inf).
        tau = slow_from[i] if slow_from.size and slow != 1.0 else math.inf
        counter = (last_day + 1) * DAY
        t = float(last_day)
        if not customer[i]:
            chance = first_chance[segment[i]]
            if chance <= 0.0:
                continue
            if tau == math.inf:
                t += geometric(key, i, counter, chance)
            else:
                t = _slowed_day(uniform(key, i, counter), t, chance, tau, slow)
            counter += 1
            if t > end:
                continue
        else:
            t = _next(key, i, counter, t, continuous, rate[i], tau, slow)
            counter += 1
        while t <= end:
            value, counter = order_value(
                key, i, counter, shape, scale[i], premium[i], decay, t - joined[i]
            )
            index = math.ceil(t) - last_day - 1
            worth_of = value * margin * math.exp(-discount * t)
            orders[i] += 1
            spent[i] += value
            worth[i] += worth_of
            day_orders[index] += 1
            day_revenue[index] += value
            day_worth[index] += worth_of
            if home.size and home[i] >= 0:
                week = (math.ceil(t) - 1) // 7
                week_orders[week, home[i]] += 1
                week_revenue[week, home[i]] += value
            if continuous and customer[i] and dropout[i] > 0.0:
                if uniform(key, i, counter) < dropout[i]:
                    dead[i] = True
                    day_dropouts[index] += 1
                    break
                counter += 1
            customer[i] = True  # a convertible's first order makes them a customer
            t = _next(key, i, counter, t, continuous, rate[i], tau, slow)
            counter += 1


@numba.njit(**_OPTIONS, inline="always")
def _next_order(
    key: np.uint64, person: int, counter: int, t: float, continuous: bool, rate: float
) -> float:
    """When a customer's next order falls after time ``t`` (days): never (inf) at rate 0."""
    if rate <= 0.0:
        return math.inf
    if continuous:
        return t + exponential(key, person, counter, rate)
    return t + geometric(key, person, counter, rate)


@numba.njit(**_OPTIONS, inline="always")
def _next(
    key: np.uint64,
    person: int,
    counter: int,
    t: float,
    continuous: bool,
    rate: float,
    tau: float,
    slow: float,
) -> float:
    """The next order after ``t``: at ``rate`` until ``tau`` and ``rate × slow`` after it,
    from the one uniform the unslowed draw uses (the same order when it falls before tau)."""
    if tau == math.inf:
        return _next_order(key, person, counter, t, continuous, rate)
    if rate <= 0.0:
        return math.inf
    u = uniform(key, person, counter)
    if continuous:  # the exponential clock: −ln u of hazard spent at rate, then at rate × slow
        need = -math.log(u)
        before = rate * max(0.0, tau - t)
        if need <= before:
            return t + need / rate
        if slow <= 0.0:
            return math.inf
        return max(t, tau) + (need - before) / (rate * slow)
    return _slowed_day(u, t, rate, tau, slow)


@numba.njit(**_OPTIONS, inline="always")
def _slowed_day(u: float, t: float, chance: float, tau: float, slow: float) -> float:
    """The first day after ``t`` with a success, daily ``chance`` through day ``tau`` and
    ``chance × slow`` after it, inverted from ``u`` as ``geometric`` does (the same day
    when it falls by tau)."""
    if chance >= 1.0 and tau > t:
        return t + 1.0
    m = max(0.0, math.floor(tau - t))  # days at the full chance
    if chance < 1.0:
        k = math.floor(math.log(u) / math.log1p(-chance)) + 1
        if k <= m:
            return t + k
        spent = m * math.log1p(-chance)
    else:
        spent = 0.0
    low = chance * slow
    if low <= 0.0:
        return math.inf
    if low >= 1.0:
        return t + m + 1
    return t + m + math.floor((math.log(u) - spent) / math.log1p(-low)) + 1
