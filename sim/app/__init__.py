"""The live app: ``fission app`` starts it (``sim.app.server.AppServer``).

Modules: ``params`` (the controls, derived from ``sim.config``; the form's values as a
campaign), ``folders`` (the folders named at start, and names inside them), ``limits``
(work one request may ask), ``jobs`` (the process pool running simulations, in turns
between tabs, and searches that drive it), ``actions`` (what Run, Cancel, Pin, Unpin and
Save do), ``levers`` (the Optimise tab's form as an ``[optimise]`` table), ``search``
(what Search and its Cancel do), ``store`` (tables in a tab's ``dcc.Store``), ``ui``
(the page, and the report's table and charts from ``sim.charts``/``sim.report``),
``search_view`` (the Optimise tab, and a search's figures from
``sim.optimise.report``), ``guard`` (the HTTP middleware: host, size, token) and
``server`` (callbacks and the WSGI server). This file imports nothing of Dash (it
only checks that the ``app`` extra is installed: ``sim.extras``), so the worker
processes, which import ``sim.app.jobs``, never load Dash.
"""

from sim.extras import require

require("app", "fission app")
