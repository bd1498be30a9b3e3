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

Living groups (docs/model.md §4.8) make a person's pace change day by day: on day d they
buy × m(d), their groups' factor (``person_factor``). Each waiting time is then inverted
from the same uniform through the factor's days (``next_time``): the exponential clock
spends −ln u of hazard at rate × m(d), the geometric one needs the product of the days'
(1 − chance × m(d)) to fall below u. Where m is 1 for good, or every group of theirs is
dead for good (``steady_days``), the closed forms are used: a person their groups never
move gets exactly the draws they get without groups. The existing customers in the
groups (``existing_customers``) are simulated so twice on one stream of draws: as the
groups moved them, and as a baseline the groups never move; what the groups add is
their difference.
"""

from __future__ import annotations

import math

import numpy as np

from sim.compiled import njit
from sim.kernels.prefetch import prefetch
from sim.kernels.records import POOL_AHEAD
from sim.value.sampling import gamma, geometric, poisson, uniform

DAY = 1 << 16  # counters per campaign day and person
SPEND = 1 << 15  # where a day's order values start (after its order draws)


@njit(inline="always")
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


@njit(inline="always")
def _chance_of(
    i: int,
    customer: np.ndarray,
    rate: np.ndarray,
    segment: np.ndarray,
    first_chance: np.ndarray,
    dead: np.ndarray,
) -> float:
    """Person i's chance of at least one order today, before the lure: 1 − e^(−rate)
    for a customer, the first-order chance of their segment (``first_chance``, by
    segment) for one who has not bought, 0 after dropping out."""
    if dead[i]:
        return 0.0
    if customer[i]:
        return -math.expm1(-rate[i])
    return first_chance[segment[i]]


@njit
def chance_today(
    buyers: np.ndarray,
    customer: np.ndarray,
    rate: np.ndarray,
    segment: np.ndarray,
    first_chance: np.ndarray,
    dead: np.ndarray,
) -> np.ndarray:
    """Each buyer's chance of at least one order today, before the lure (``_chance_of``)."""
    out = np.empty(buyers.size, dtype=np.float64)
    last = buyers.size - 1
    for k in range(buyers.size):
        ahead = buyers[min(k + POOL_AHEAD, last)]  # scattered (join order): ask for its lines
        prefetch(rate, ahead)
        prefetch(segment, ahead)
        out[k] = _chance_of(buyers[k], customer, rate, segment, first_chance, dead)
    return out


@njit
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
    segment: np.ndarray,
    first_chance: np.ndarray,
) -> np.ndarray:
    """BG/NBD orders on one campaign day: a customer places Poisson(rate × lift) orders
    (the lure's lift of the chance, ``lifted ÷ chance``, as a lift of the rate) and drops
    out after each with ``dropout`` (memoryless: the orders before dropping out are
    geometric); a convertible who has not bought converts with the lifted chance, one
    order, and becomes a customer (no dropout at the first order: BG/NBD's customers are
    born at their first purchase). A member who has referred someone drops out with
    ``referrer_factor`` × their ``dropout``. Writes ``customer`` and ``dead``.
    ``chance`` and ``lifted`` empty: nothing lifts the chance, which is taken here
    (``_chance_of``, from ``segment`` and ``first_chance`` too) in the same pass."""
    counts = np.zeros(buyers.size, dtype=np.int64)
    start = day * DAY
    last = buyers.size - 1
    given = chance.size > 0
    for k in range(buyers.size):
        ahead = buyers[min(k + POOL_AHEAD, last)]  # scattered (join order): ask for its lines
        prefetch(rate, ahead)
        prefetch(dropout, ahead)
        prefetch(invites, ahead)
        i = np.uint64(buyers[k])  # unsigned: numba wraps every signed index
        if given:
            before, after = chance[k], lifted[k]
        else:
            before = _chance_of(i, customer, rate, segment, first_chance, dead)
            after = before
        if dead[i] or after <= 0.0 or before <= 0.0:
            continue
        if not customer[i]:
            if uniform(key, i, start) < after:
                counts[k] = 1
                customer[i] = True
            continue
        n, counter = poisson(key, i, start, rate[i] * after / before)
        p = dropout[i] * (referrer_factor if invites[i] > 0 else 1.0)
        if n > 0 and p > 0.0:
            survived = geometric(key, i, counter, p)  # orders up to dropping out
            if survived <= n:
                n = survived
                dead[i] = True
        counts[k] = n
    return counts


@njit
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
        i = np.uint64(people[k])  # unsigned: numba wraps every signed index
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


@njit(inline="always")
def person_factor(i: int, day: int, groups: tuple) -> float:
    """× person ``i``'s buying on ``day``: the largest factor of the groups they are in
    that day (an entry counts until its ``until`` day, when they drift out); 1 in none
    ever, ``slow`` once they have left every group. A group's factor is ``slow`` while
    it is dead, else ``event[day]`` × (1 + ``lift[g, day]``) (``lift`` empty: 0)."""
    indptr, group, until, alive, lift, event, slow = groups[:7]
    start, end = indptr[i], indptr[i + 1]
    if start == end:
        return 1.0
    best = -1.0
    for j in range(start, end):
        if day >= until[j]:
            continue
        g = group[j]
        if alive[g, day]:
            m = event[day]
            if lift.shape[0]:
                m *= 1.0 + lift[g, day]
        else:
            m = slow
        best = max(best, m)
    return best if best >= 0.0 else slow


@njit(inline="always")
def steady_days(i: int, groups: tuple) -> tuple[int, int]:
    """From which day person ``i``'s factor stays 1 (``plain``), and from which it stays
    ``slow`` (``slowed``: every group of theirs dead for good), a day past the last for
    never; (0, 0) without groups. ``plain`` is the latest ``plain_from`` of their groups,
    never when they will drift out of one while a dead group slows its people."""
    indptr, group, until, alive = groups[:4]
    slow, plain_from = groups[6:8]
    if indptr.size == 0:
        return 0, 0
    dead_from = groups[11]
    last = alive.shape[1] - 1  # the last day simulated
    plain, slowed = 0, 0
    for j in range(indptr[i], indptr[i + 1]):
        if until[j] <= last and slow != 1.0:
            plain = last + 1
        plain = max(plain, plain_from[group[j]])
        slowed = max(slowed, dead_from[group[j]])
    if indptr[i] == indptr[i + 1]:
        slowed = last + 1  # in no group: never slowed (plain from day 0)
    return plain, slowed


@njit(inline="always")
def home_group(i: int, day: int, groups: tuple) -> int:
    """The group person ``i``'s order on ``day`` is booked to: their home entry's (their
    first group) while they are in it; −1 otherwise, or without groups."""
    home = groups[8]
    if home.size == 0 or home[i] < 0:
        return -1
    entry = home[i]
    return groups[1][entry] if day < groups[2][entry] else -1


@njit(inline="always")
def geometric_at(u: float, chance: float) -> float:
    """The number of the first success in daily trials of ``chance``, from uniform ``u``
    (as ``sampling.geometric``; inf at chance 0)."""
    if chance >= 1.0:
        return 1.0
    if chance <= 0.0:
        return math.inf
    return math.floor(math.log(u) / math.log1p(-chance)) + 1.0


@njit(inline="always")
def plain_next(u: float, t: float, continuous: bool, rate: float) -> float:
    """The closed forms, the factor 1: the next order an exponential time at ``rate``
    after ``t``, or on the first day a daily chance ``rate`` succeeds (inf at rate 0)."""
    if rate <= 0.0:
        return math.inf
    if continuous:
        return t - math.log(u) / rate
    return t + geometric_at(u, rate)


@njit(inline="always")
def _steady(
    t: float, day: int, need: float, survival: float, log_u: float, continuous: bool, rate: float
) -> float:
    """The closed forms from time ``t`` (in ``day``) at a steady ``rate``: the exponential
    clock's remaining ``need`` of hazard, or the first day the chance of no success so
    far (``survival`` spent, as a log) falls below u (``log_u``)."""
    if rate <= 0.0:
        return math.inf
    if continuous:
        return t + need / rate
    if rate >= 1.0:
        return float(day)
    return day - 1 + math.floor((log_u - survival) / math.log1p(-rate)) + 1.0


@njit
def next_time(
    u: float,
    t: float,
    continuous: bool,
    rate: float,
    i: int,
    steady: tuple[int, int],
    groups: tuple,
) -> float:
    """When person ``i``'s next order (or first order, with ``continuous`` False and the
    daily chance as ``rate``) falls after time ``t`` (days), from the uniform ``u``:
    exponential at ``rate`` per day × the day's factor, or the first day whose chance
    ``rate`` × factor succeeds; inf past the last day simulated (or at rate 0). Through
    ``steady`` days (``steady_days``) the closed forms take over: at ``rate`` where the
    factor stays 1 (exactly the draws without groups), at ``rate`` × slow where it stays
    slow."""
    if rate <= 0.0:
        return math.inf
    plain, slowed = steady
    day = math.floor(t) + 1  # the day the waiting starts in
    if day >= plain:  # the factor is 1 from here on
        return plain_next(u, t, continuous, rate)
    slow = groups[6]
    last = groups[3].shape[1] - 1
    need, log_u, survival = -math.log(u), math.log(u), 0.0
    while day <= last:
        if day >= slowed:  # every group dead for good: the factor stays slow
            return _steady(t, day, need, survival, log_u, continuous, rate * slow)
        if continuous:  # the exponential clock: −ln u of hazard, spent day by day
            pace = rate * person_factor(i, day, groups)
            spend = pace * (day - t)
            if need <= spend:
                return t + need / pace
            need -= spend
            t = float(day)
        else:  # the first day the chance of no success so far falls below u
            chance = rate * person_factor(i, day, groups)
            if chance >= 1.0:
                return float(day)
            if chance > 0.0:
                survival += math.log1p(-chance)
                if survival < log_u:
                    return float(day)
        day += 1
    return math.inf


@njit
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
    customer's next order comes an exponential time later at ``rate`` per day, after
    which they drop out with ``dropout`` (``continuous``, BG/NBD), or on the next day
    drawn with daily chance ``rate``, never dropping out (the daily model). Their groups
    change the pace day by day (``next_time``).

    Args (tuples of arrays, by person number unless said):
        buying: (customer, rate, segment, first_chance by segment, dropout, dead).
        spend: (shape, scale, premium, decay, joined day).
        money: (margin share, discount per day: a yuan on day t is worth e^(−discount·t)).
        books: (orders, spent, worth) per person, added to.
        by_day: (orders, revenue, worth, dropouts) per horizon day (index 0 = the day
            after the campaign's last), added to.
        groups: ``sim.value.base.GroupBuying.kernel_arrays()`` (None: no groups): the
            groups' factors, and ``home`` and the (week, group) arrays of orders and
            revenue the orders are booked to.
    """
    customer, rate, segment, first_chance, dropout, dead = buying
    shape, scale, premium, decay, joined = spend
    margin, discount = money
    orders, spent, worth = books
    day_orders, day_revenue, day_worth, day_dropouts = by_day
    end = float(last_day + days)
    last = people.size - 1
    for k in range(people.size):
        # People come in join order, scattered over the population: ask for the lines of
        # the one POOL_AHEAD on (a year after 600,000 members of a million: 135 ms, 203
        # without).
        ahead = people[min(k + POOL_AHEAD, last)]
        prefetch(dead, ahead)
        prefetch(customer, ahead)
        prefetch(rate, ahead)
        prefetch(dropout, ahead)
        prefetch(scale, ahead)
        prefetch(premium, ahead)
        prefetch(joined, ahead)
        prefetch(orders, ahead)
        prefetch(spent, ahead)
        prefetch(worth, ahead)
        i = people[k]
        if dead[i]:
            continue
        # ``groups is None`` branches are pruned when compiled without groups: the
        # walk's code then costs nothing in a run that has none.
        steady = (0, 0) if groups is None else steady_days(i, groups)
        counter = (last_day + 1) * DAY
        t = float(last_day)
        if not customer[i]:
            chance = first_chance[segment[i]]
            if chance <= 0.0:
                continue
            u = uniform(key, i, counter)
            if groups is None:
                t = plain_next(u, t, False, chance)
            else:
                t = next_time(u, t, False, chance, i, steady, groups)
            counter += 1
            if t > end:
                continue
        else:
            u = uniform(key, i, counter)
            if groups is None:
                t = plain_next(u, t, continuous, rate[i])
            else:
                t = next_time(u, t, continuous, rate[i], i, steady, groups)
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
            if groups is not None:
                group = home_group(i, math.ceil(t), groups)
                if group >= 0:
                    week = (math.ceil(t) - 1) // 7
                    groups[9][week, group] += 1
                    groups[10][week, group] += value
            if continuous and customer[i] and dropout[i] > 0.0:
                if uniform(key, i, counter) < dropout[i]:
                    dead[i] = True
                    day_dropouts[index] += 1
                    break
                counter += 1
            customer[i] = True  # a convertible's first order makes them a customer
            u = uniform(key, i, counter)
            if groups is None:
                t = plain_next(u, t, continuous, rate[i])
            else:
                t = next_time(u, t, continuous, rate[i], i, steady, groups)
            counter += 1


@njit
def existing_customers(
    key: np.uint64,
    people: np.ndarray,
    until: np.ndarray,
    continuous: bool,
    rate: np.ndarray,
    dropout: np.ndarray,
    spend: tuple,
    money: tuple,
    groups: tuple,
    totals: np.ndarray,
    extra_by_day: np.ndarray,
    weeks: tuple,
) -> None:
    """The orders of the existing customers in the groups, from day 1 to ``until[k]``
    (their join day, or the last day simulated), twice on one stream of draws: as their
    groups moved their buying (``next_time`` through the groups' factors), and as a
    baseline their groups never move (factor 1: the closed forms). Customer k orders at
    ``rate[k]`` per day (exponential waits, dropping out after an order with
    ``dropout[k]``: ``continuous``, BG/NBD), or on days drawn with daily chance
    ``rate[k]`` (the daily model). The k-th order of either has the same value, and in
    BG/NBD the same dropout after it, so the two differ only in when the orders fall.

    Args:
        spend: (shape, scale by person): an order is ``scale`` × Gamma(shape, 1)
            (``shape`` 0: exactly ``scale``).
        money: (margin share, discount per day).
        totals: added to: orders and revenue (yuan) as the groups moved them, then as the
            baseline, then their discounted margins (yuan).
        extra_by_day: undiscounted margin (yuan) by day 0 … last: + each order as the
            groups moved it, − each baseline order (what the groups added, day by day).
        weeks: (orders, revenue, incremental orders) by (week, group), booked to each
            customer's ``home`` group (``groups``), added to.
    """
    shape, scale = spend
    margin, discount = money
    week_orders, week_revenue, week_extra = weeks
    for k in range(people.size):
        i = people[k]
        end = until[k]
        steady = steady_days(i, groups)
        counter = 0
        moved, base = 0.0, 0.0  # the last order's time as the groups moved it, baseline
        while True:
            u = uniform(key, i, counter)
            counter += 1
            if moved <= end:
                moved = next_time(u, moved, continuous, rate[k], i, steady, groups)
            if base <= end:
                base = next_time(u, base, continuous, rate[k], i, (0, 0), groups)  # factor 1
            if moved > end and base > end:
                break
            value, counter = order_value(key, i, counter, shape, scale[i], 0.0, 0.0, 0.0)
            if moved <= end:
                totals[0] += 1
                totals[2] += value
                totals[4] += value * margin * math.exp(-discount * moved)
                extra_by_day[math.ceil(moved)] += value * margin
                group = home_group(i, math.ceil(moved), groups)
                if group >= 0:
                    week = (math.ceil(moved) - 1) // 7
                    week_orders[week, group] += 1
                    week_revenue[week, group] += value
                    week_extra[week, group] += 1
            if base <= end:
                totals[1] += 1
                totals[3] += value
                totals[5] += value * margin * math.exp(-discount * base)
                extra_by_day[math.ceil(base)] -= value * margin
                group = home_group(i, math.ceil(base), groups)
                if group >= 0:
                    week_extra[(math.ceil(base) - 1) // 7, group] -= 1
            if continuous and dropout[k] > 0.0:
                if uniform(key, i, counter) < dropout[k]:
                    break
                counter += 1
