"""Virtual keys: mint, list, inspect, update, rotate and delete LiteLLM virtual keys by alias.

* ``values``/``durations``: validate what the user typed before anything is sent to LiteLLM;
* ``users``: exact-email lookup (LiteLLM's own filter matches substrings) and creation;
* ``lookup``: address a key by alias, ``sk-`` token, sha256 hash or a shown hash prefix;
* ``service``/``rotate``: the operations against the admin API;
* ``render``: tables, summaries and JSON — never a secret except the one just minted;
* ``defaults``: the optional ``keys`` section of config.json.
"""
