"""The demo: invented groups and members (demo_data.json) and an invented history
(history.py) for `make run`, so a newcomer has something to explore."""
