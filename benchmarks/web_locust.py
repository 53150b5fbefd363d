"""The simulated users of bench_web_load.py (a locustfile: ``locust -f web_locust.py``).

Each user moves one lever of the simulator (webserver.LEVERS, the users taking them in turn)
over its slider: a ``POST /api/evaluate`` of what the page asks for while a slider moves, a
new position each time, then a pause of WAIT_S seconds before the next one.

WAIT_S is an assumption: a person dragging a slider, whose page sends at most one request
every 120 ms while it moves and one after the last move (docs/web-pages.md), then reads the
answers before moving again: 0.3 s (a short drag and a glance) to 1 s between requests of one
user, 0.65 s on average, so 50 users send about 75 requests a second.
"""

from __future__ import annotations

import itertools

from locust import HttpUser, between, task

from webserver import LEVERS, screen_outputs, slider_body

WAIT_S = (0.3, 1.0)
OUTPUTS = screen_outputs()
_users = itertools.count()
_positions = itertools.count()


class SliderUser(HttpUser):
    wait_time = between(*WAIT_S)

    def on_start(self) -> None:
        levers = list(LEVERS)
        self.lever = levers[next(_users) % len(levers)]

    @task
    def move_slider(self) -> None:
        body = slider_body(next(_positions), OUTPUTS, self.lever)
        self.client.post("/api/evaluate", json=body, name="evaluate")
