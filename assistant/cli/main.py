"""Entry point of the ``mushrif`` console script."""

from __future__ import annotations

import typer

from assistant.cli import admin, community, evaluate, feedback, serve
from assistant.cli.bench import bench
from assistant.cli.classify import classify
from assistant.cli.draft import draft
from assistant.cli.kb import app as kb_app
from assistant.cli.train import train

app = typer.Typer(
    name="mushrif",
    help="Mushrif: offline assistant for the admins of social-media groups (Arabic and English).",
    no_args_is_help=True,
    add_completion=False,
)
app.command("classify")(classify)
app.command("train")(train)
app.command("bench")(bench)
app.command("draft")(draft)
app.add_typer(kb_app, name="kb")
app.add_typer(evaluate.app, name="eval")
app.add_typer(serve.app, name="serve")
app.add_typer(admin.app, name="admin")
app.add_typer(feedback.app, name="feedback")
app.command("analytics")(community.analytics)
app.add_typer(community.suggest_app, name="suggest")
app.add_typer(community.members_app, name="members")
app.command("synthetic")(community.synthetic)


if __name__ == "__main__":
    app()
