"""Reports rendered from results alone: one self-contained HTML file (inline CSS and SVG, no scripts, no network).

``report.html`` of a run: :mod:`.data` builds the view model from result.json with the summary cards (:mod:`.cards`)
and the registered section builders (:mod:`.sections`, one module each; :mod:`.registry`), :mod:`.charts` lays out
each chart kind and :mod:`.html` renders the templates. ``sweep.html`` of a sweep: :mod:`.sweep`. Numbers are
formatted by :mod:`.format`; :mod:`.browser` drives headless Chromium for screenshots and browser tests.
"""
