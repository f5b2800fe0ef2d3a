"""``assist-agent``: the support agent's app (create a code, see the screen, draw, guide, record).

Logic lives in QtCore objects that emit past-tense signals (:mod:`.session`,
:mod:`.drawing`, :mod:`.guidance`, :mod:`.recorder`); the widgets in
:mod:`.windows` only paint and forward; :mod:`.headless` drives the same
session object without a window for automation and benchmarks.
"""
