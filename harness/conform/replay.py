"""A sequence of API calls as a shell script a person can run again (curl, token from the env).

The request ids a server hands out differ on every run, so each submit stores its id in a
shell variable (`J1`, `J2`, ...) and later calls use it; waits become `sleep`. The first
tenant's token is read from `$RUNCOMFY_API_TOKEN`, the second's from `$RUNCOMFY_API_TOKEN_2`;
no token is ever written. Each line comes from the recorded exchange's own curl line.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from harness.evidence import Exchange
from harness.secrets import TOKEN_ENV

__all__ = ["Script"]

_ID = 'sed -n \'s/.*"request_id" *: *"\\([^"]*\\)".*/\\1/p\''


@dataclass
class Script:
    base_url: str
    lines: list[str] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)

    def alias(self, request_id: str) -> str:
        return self._ids.setdefault(request_id, f"J{len(self._ids) + 1}")

    def call(self, exchange: Exchange, tenant: int, said: str, *, job: str | None = None) -> None:
        """One call; `job` the request id it is about (a submit's: the id it created)."""
        line = exchange.curl()
        url = exchange.url
        path = url[len(self.base_url) :] if url.startswith(self.base_url) else url
        if job is not None and exchange.method == "POST" and "/v1/models/" in url:
            var = self.alias(job)
            templated = f'"$BASE{path}"'
            line = f"{var}=$({line.replace(shlex.quote(url), templated)} | {_ID})"
        else:
            if job is not None:
                path = path.replace(job, "${" + self.alias(job) + "}")
            line = line.replace(shlex.quote(url), f'"$BASE{path}"')
        if tenant == 1:
            line = line.replace(f"${TOKEN_ENV}", f"${TOKEN_ENV}_2")
        self.lines.append(f"# answered: {said}")
        self.lines.append(line)

    def wait(self, seconds: float) -> None:
        self.lines.append(f"sleep {seconds:g}")

    def render(self, problem: str) -> str:
        head = [
            "#!/bin/sh",
            "# A minimal sequence of calls that broke the contract (found and shrunk by",
            "# chronoedit-harness's stateful exploration). Tokens come from the environment.",
            f"# Broken: {problem}",
            f"BASE=${{BASE:-{self.base_url}}}",
            "",
        ]
        return "\n".join(head + self.lines) + "\n"
