"""The simulated users of bench_web_load.py (a locustfile: ``locust -f web_locust.py``).

Each user moves the base-subsidy slider: a debounced ``POST /api/evaluate`` of what the
simulator's first screen shows, then a pause of WAIT_S seconds (a reader looking at the
answer before moving the lever again).
"""

from __future__ import annotations

import itertools

from locust import HttpUser, between, task

from webserver import screen_outputs, slider_body

WAIT_S = (0.5, 1.5)
OUTPUTS = screen_outputs()
_positions = itertools.count()


class SliderUser(HttpUser):
    wait_time = between(*WAIT_S)

    @task
    def move_slider(self) -> None:
        body = slider_body(next(_positions), OUTPUTS)
        self.client.post("/api/evaluate", json=body, name="evaluate")
