"""The composition root's builders, one per concern: the database (:mod:`bot.db`), Slack
(:mod:`bot.wiring.slack`), the evidence sources and catalog (:mod:`bot.wiring.evidence`), the
narrator (:mod:`bot.wiring.narrator`), the actions and their executors
(:mod:`bot.wiring.actions`) and the web server (:mod:`bot.wiring.web`).

:func:`bot.app.start_runtime`, the commands (:mod:`bot.cli`), the demo and the evaluation all
build through them, so nothing is wired twice. With :mod:`bot.app`, :mod:`bot.cli` and
:mod:`bot.demo` this package is the composition root: the only core code that may import
``handlers`` and ``integrations`` (``tests/unit/test_architecture.py``).
"""
