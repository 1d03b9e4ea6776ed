"""petition-scan command line: a thin layer over the ``scanner`` library.

One top-level handler turns library errors into a message, a fix-it hint and an
exit status (see scanner.errors.ExitCode); tracebacks only with ``-v``.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading
import traceback
from typing import Any

import click

from scanner.errors import ExitCode, PetitionScanError

log = logging.getLogger("petition_scan")


#: Each subcommand lives beside the library code it drives and is imported only
#: when invoked (or listed by --help): ``process`` then starts without loading the
#: printing, review and export code, and neither do its spawned workers, which
#: import this module again as their main module.
COMMANDS = {
    "process": "scanner.cli.process:process_cmd",
    "form": "scanner.cli.form:form_group",
    "review": "scanner.review.cli:review_cmd",
    "export": "scanner.cli.store:export_cmd",
    "forget": "scanner.cli.store:forget_cmd",
    "purge": "scanner.cli.store:purge_cmd",
    "eval": "scanner.cli.process:eval_cmd",
}


class LazyGroup(click.Group):
    """A command group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module_name, attr = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if command.name != cmd_name:
                raise RuntimeError(f"{self.lazy[cmd_name]} is named {command.name!r}, not {cmd_name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More detail; -v also shows tracebacks of errors.")
@click.version_option(package_name="petition-scan")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Turn scanned paper petition sheets into a clean CSV, locally.

    \b
    Typical use:
      petition-scan form print surveillance-fr --copies 20 --out sheets.pdf
      petition-scan process scans/ --out out/
      petition-scan review --store out/petition.sqlite
      petition-scan export --store out/petition.sqlite --out final.csv

    Everything runs on this computer: no network connection is ever made.
    """
    ctx.obj = {"verbose": verbose}
    logging.basicConfig(
        level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> int:
    """Console-script entry: run the CLI with one top-level error handler."""
    args = sys.argv[1:] if argv is None else argv
    verbose = any(a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in args)
    previous = _stop_on_signals()
    try:
        result = cli.main(args=args, prog_name="petition-scan", standalone_mode=False)
    except Stopped as exc:  # SIGTERM, or SIGHUP from a closed terminal: as Ctrl-C
        return _interrupted(args, 128 + exc.signum)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            return _interrupted(args)
        click.echo("Aborted.", err=True)
        return int(ExitCode.PARTIAL)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except PetitionScanError as exc:
        return _user_error(exc, verbose)
    except KeyboardInterrupt:
        return _interrupted(args)
    except Exception as exc:  # the one place that catches everything
        from scanner.diskerrors import output_error

        if (user := output_error(exc)) is not None:  # a full disk or read-only folder, in any command
            return _user_error(user, verbose)
        if verbose:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("hint: run again with -v for the traceback, and report it with that output.", err=True)
        return int(ExitCode.INTERNAL)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return int(result) if isinstance(result, int) else 0


class Stopped(BaseException):
    """The command was asked to stop by a signal (not an error: the pages read are kept)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def _stop_on_signals() -> dict[signal.Signals, Any]:
    """SIGTERM and SIGHUP unwind the command like Ctrl-C (the previous handlers, to restore)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[signal.Signals, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, _raise_stopped)
    return previous


def _user_error(exc: PetitionScanError, verbose: bool) -> int:
    if verbose:
        traceback.print_exc()
    click.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)
    return int(exc.exit_code)


def _interrupted(args: list[str], status: int = 130) -> int:
    """Ctrl-C (or a stop signal, ``status`` 128 + its number): say what is kept.
    ``process`` saves each page as it is read, so it resumes."""
    command = next((a for a in args if not a.startswith("-")), "")
    if command == "process":
        click.echo(
            "Interrupted: the pages already read are kept in the store; run the same command again to resume.",
            err=True,
        )
    else:
        click.echo("Interrupted.", err=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

