"""The closed forms of the two customer-value models, in log form (no I/O, no fitting).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing
Science 24(2)): while alive a customer makes repeat purchases at rate λ ~ Gamma(r, α)
(α a time, so λ is per unit of time); after each repeat purchase they drop out for good
with probability p ~ Beta(a, b). One customer's data are x repeat purchases, the last
of them at t_x (recency), over an age T since their first purchase (all in one unit of
time: days in Fission; FHL's CDNOW fit uses weeks). Their likelihood (FHL eq. 6) is

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)),

the first term "alive at T", the second "dropped out after the last purchase".

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV", J. Marketing Research 42(4);
Colombo & Jiang 1999): the value of each of a customer's orders is Gamma(p, ν), their
spend rate ν ~ Gamma(q, γ) across customers, independent of the buying process. One
customer's data are x orders with mean value z̄; the likelihood of z̄ is

    f(z̄) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · z̄^(px−1) · x^(px) / (γ + x z̄)^(px+q),

and the mean value of an order over customers is pγ/(q−1) (q > 1).

Written here rather than taken from a library: lifetimes, which implements both, is
unmaintained, and pymc-marketing's versions bring PyMC and its compiler along for what
are a dozen lines of gammaln and betaln.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1


def bg_nbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """log L of each customer under BG/NBD (FHL 2005 eq. 6) from their repeat purchases
    ``x``, recency ``t_x`` and ``age`` (FHL's T); ``alpha``, ``t_x`` and ``age`` in one
    unit of time (days in Fission). Stable in logs: the two terms are added with
    ``logaddexp``, never exponentiated on their own."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    age = np.asarray(age, dtype=float)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + age)
    repeat = x > 0
    # B(a+1, b+x-1) needs b+x-1 > 0: only computed where x >= 1 (x = 0 has no such term)
    gone = np.full_like(x, -np.inf)
    gone[repeat] = betaln(a + 1.0, b + x[repeat] - 1.0) - (r + x[repeat]) * np.log(
        alpha + t_x[repeat]
    )
    return common + np.logaddexp(alive, gone)


def gamma_gamma_log_likelihood(
    p: float, q: float, gamma: float, x: np.ndarray, mean_value: np.ndarray
) -> np.ndarray:
    """log f of each customer's mean order value ``mean_value`` (yuan) over their ``x``
    orders (x ≥ 1, mean_value > 0) under Gamma-Gamma; ``gamma`` in yuan."""
    x = np.asarray(x, dtype=float)
    z = np.asarray(mean_value, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(z)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * z)
    )


def expected_purchases(t: np.ndarray | float, r: float, alpha: float, a: float, b: float):
    """E[X(t)]: expected repeat purchases in (0, t] after the first (FHL 2005 eq. 9),
    ``t`` and ``alpha`` in one unit (days):

        (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))].
    """
    t = np.asarray(t, dtype=float)
    if np.isclose(a, 1.0):  # the formula's 0/0 at a = 1: step off it (the limit is smooth)
        a = 1.0 + 1e-9
    z = t / (alpha + t)
    hyper = hyp2f1(r, b, a + b - 1.0, z)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyper)


def probability_no_repeat(t: np.ndarray | float, r: float, alpha: float) -> np.ndarray:
    """P(X(t) = 0): the chance of no repeat purchase in (0, t] (FHL 2005 eq. 8 at x = 0,
    (α/(α+t))^r: with no purchase there is no chance to drop out)."""
    t = np.asarray(t, dtype=float)
    return (alpha / (alpha + t)) ** r


def mean_order_value(p: float, q: float, gamma: float) -> float:
    """The mean value of an order over customers, pγ/(q−1) (yuan); infinite for q ≤ 1."""
    return p * gamma / (q - 1.0) if q > 1.0 else float("inf")
