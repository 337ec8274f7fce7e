# ruff: noqa: S311 - random picks of incidents, not secrets
"""One scenario per locust run (BENCH_SCENARIO), with the plan bench/run.py wrote (BENCH_PLAN).

Each simulated user is its own member of staff (handlers get distinct accounts and their own
incidents), already signed in, and repeats one request, reported under the scenario's name."""

import itertools
import json
import os
import random
import string

from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["BENCH_PLAN"]).read())  # noqa: SIM115
SCENARIO = os.environ["BENCH_SCENARIO"]
SPEC = PLAN["scenarios"][SCENARIO]
_next_user = itertools.count()


class Staff(HttpUser):
    wait_time = between(0, 0)

    def on_start(self) -> None:
        number = next(_next_user)
        accounts = SPEC.get("accounts") or [None]
        self.account = accounts[number % len(accounts)]
        # When there are more users than accounts (a small force), the users sharing an
        # account take disjoint parts of its pool, so that two never close the same incident.
        sharing = -(-int(os.environ.get("BENCH_USERS", "10")) // len(accounts))
        self.pool = list((self.account or {}).get("pool", []))[number // len(accounts) :: sharing]
        random.shuffle(self.pool)
        # The session bench/run.py made for this account, and a CSRF secret of our own (Django
        # accepts the unmasked secret as the form token).
        self.csrf = "".join(random.choices(string.ascii_letters + string.digits, k=32))
        self.client.cookies.set("csrftoken", self.csrf)
        if self.account:
            self.client.cookies.set("sessionid", self.account["session"])

    def _post(self, url: str, data: dict) -> None:
        data = {**data, "csrfmiddlewaretoken": self.csrf}
        with self.client.post(
            url, data, name=SCENARIO, allow_redirects=False, catch_response=True, headers={"Referer": self.host + url}
        ) as response:
            if response.status_code != 302:
                response.failure(f"expected a redirect, got {response.status_code}")

    @task
    def request(self) -> None:
        kind = SPEC["kind"]
        if kind == "get":
            self.client.get(SPEC["url"], name=SCENARIO)
        elif kind == "get_pool":
            reference = random.choice(self.pool)
            self.client.get(SPEC["url"].format(ref=reference), name=SCENARIO)
        elif kind == "submit":
            reference = random.choice(self.pool)
            self._post(SPEC["url"].format(ref=reference), PLAN["answers_post"])
        elif kind == "close":
            if not self.pool:
                raise StopUser
            self._post(SPEC["url"].format(ref=self.pool.pop()), {"closure_code": "crime_recorded"})
        elif kind == "bare_get":
            self.client.get(f"/__bench__/bare/?id={random.randint(1, PLAN['incidents'])}", name=SCENARIO)
        elif kind == "bare_post":
            with self.client.post(
                "/__bench__/insert/",
                {"body": "x" * 200, "csrfmiddlewaretoken": self.csrf},
                name=SCENARIO,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"expected a redirect, got {response.status_code}")
