"""The command line: ``main.create_app`` builds the ``llmproxy`` command from the command modules
(``*_cmds``), which parse flags, call the pipeline (``llmproxy.manager`` and friends) and print."""
