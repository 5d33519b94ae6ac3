"""Run `landbridge` in-process exactly as the installed script does (landbridge.cli.main): a LandbridgeError
becomes exit 2 with its message; anything else escaping a command is a crash and is re-raised."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.errors import LandbridgeError

runner = CliRunner()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str
    error: str | None  # the message main() prints for a LandbridgeError

    @property
    def output(self) -> str:
        return self.stdout + self.stderr + (self.error or "")


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    r = runner.invoke(app, list(args), env=env)
    exc = r.exception
    if isinstance(exc, LandbridgeError):
        return Result(2, r.stdout, r.stderr, str(exc))
    if exc is not None and not isinstance(exc, SystemExit):
        raise exc
    return Result(r.exit_code, r.stdout, r.stderr, None)
