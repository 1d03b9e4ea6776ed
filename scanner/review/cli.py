"""``petition-scan review``: start the review page and print its address."""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path

import click


@click.command("review")
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="The batch store written by 'process' (a .sqlite file or the folder holding petition.sqlite).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Local port; 0 picks a free one.")
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the page (a link on the page switches it).")
@click.option("--who", default="review", show_default=True,
              help="Name written with every decision in the audit trail.")
def review_cmd(store_path: Path, port: int, no_browser: bool, lang: str, who: str) -> int:
    """Fix the flagged rows in a local web page (this computer only).

    The page listens on 127.0.0.1 and needs the secret address printed here;
    every decision is saved at once in the store, with an audit trail. Stop
    with Ctrl+C, then run 'petition-scan export'.
    """
    from scanner.review.server import ReviewOptions, ReviewServer

    options = ReviewOptions(store_path=store_path, port=port, lang="en" if lang == "en" else "fr", who=who)
    try:
        server = ReviewServer(options)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); try another --port") from None
    with server:
        click.echo(f"Review page: {server.url}")
        click.echo("Open it in a browser on this computer. Ctrl+C stops; every decision is already saved.")
        sys.stdout.flush()  # the address must show now, even through a pipe
        if not no_browser:
            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("\nStopped. Every decision is saved in the store.")
    return 0
