"""The plotly.js config a page draws the charts with, in the planner's language.

Besides our titles and hover text (translated where each chart is built), plotly.js says
words of its own: the mode bar's buttons ("Download plot as a PNG", "Zoom in",
"Autoscale"), its notices ("Double-click to zoom back out") and a box's statistics on
hover ("median:", "q1:", "upper fence:"). plotly.js looks each up in the dictionary of
the config's ``locale`` (``config.locales``, its documented hook), so the report and the
app pass the current language's catalogue through here. The words are plotly.js 3's
own English texts, marked for our catalogue; a word plotly.js does not show on our
charts (3D, maps, drawing tools) is left out and stays English.
"""

from __future__ import annotations

from typing import Any

from sim.lang import DEFAULT, N_, _, current

# plotly.js's locale names for our languages (its dictionary keys are its English texts).
PLOTLY_LOCALES = {"zh": "zh-CN"}

# What plotly.js itself shows on 2D charts and tables, by its English text.
PLOTLY_WORDS = (
    # the mode bar's buttons (their tooltips)
    N_("Download plot as a PNG"),
    N_("Download plot"),
    N_("Zoom"),
    N_("Pan"),
    N_("Box Select"),
    N_("Lasso Select"),
    N_("Zoom in"),
    N_("Zoom out"),
    N_("Autoscale"),
    N_("Reset axes"),
    N_("Toggle Spike Lines"),
    N_("Show closest data on hover"),
    N_("Compare data on hover"),
    N_("Toggle show closest data on hover"),
    # notices
    N_("Double-click to zoom back out"),
    N_("Double-click on legend to isolate one trace"),
    N_("Preparing image - this may take a few seconds"),
    N_("Image download succeeded"),
    N_("Sorry, there was a problem downloading your image!"),
    # a box's statistics on hover (the ROI and cost-per-paying charts)
    N_("min:"),
    N_("q1:"),
    N_("median:"),
    N_("q3:"),
    N_("max:"),
    N_("mean:"),
    N_("lower fence:"),
    N_("upper fence:"),
)


def plotly_config(**options: Any) -> dict[str, Any]:
    """The config to draw a figure with (``Plotly.newPlot``'s, ``dcc.Graph(config=...)``):
    ``options`` and, in a language other than English, its locale with plotly.js's own
    words translated from our catalogue."""
    config = dict(options)
    code = current()
    if code != DEFAULT and code in PLOTLY_LOCALES:
        name = PLOTLY_LOCALES[code]
        config["locale"] = name
        config["locales"] = {name: {"dictionary": {word: _(word) for word in PLOTLY_WORDS}}}
    return config
