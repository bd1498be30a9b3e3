"""Customer value learnt from orders: BG/NBD (buy till you die) and Gamma-Gamma (spend)
fitted by maximum likelihood, for ``fission calibrate --transactions orders.csv``.

Modules: ``likelihood`` (the closed forms, E[X(t)]), ``mle`` (maximising on log
parameters, intervals from the inverse Hessian), ``models`` (the two fits from
per-customer arrays), ``orders`` (an orders CSV read and summarised per customer),
``result`` (the fit, its checks, the ``[value]`` table), ``folder`` (the files written),
``synthetic`` (orders drawn from known parameters), ``command`` (the CLI). From Python::

    customers = summarise(read_orders("orders.csv"), until=None)   # days, yuan
    fit = fit_customers(customers, "orders.csv")
    print(fit.value_toml())

Time is in days and money in yuan. Nothing here is imported by the engine, which reads
the ``[value]`` table the fit writes.
"""

from sim.value_fit.likelihood import (
    bg_nbd_log_likelihood,
    expected_purchases,
    gamma_gamma_log_likelihood,
    mean_order_value,
    probability_no_repeat,
)
from sim.value_fit.mle import Estimate, Maximum
from sim.value_fit.models import BgNbdFit, GammaGammaFit, fit_bg_nbd, fit_gamma_gamma
from sim.value_fit.orders import Customers, read_orders, summarise
from sim.value_fit.result import ValueFit, fit_customers
from sim.value_fit.synthetic import Truth, simulate_orders

__all__ = [
    "BgNbdFit",
    "Customers",
    "Estimate",
    "GammaGammaFit",
    "Maximum",
    "Truth",
    "ValueFit",
    "bg_nbd_log_likelihood",
    "expected_purchases",
    "fit_bg_nbd",
    "fit_customers",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "mean_order_value",
    "probability_no_repeat",
    "read_orders",
    "simulate_orders",
    "summarise",
]
