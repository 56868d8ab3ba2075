"""``mushrif serve``: the approval-queue service (API + in-process worker + deliverer)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Run the approval-queue service.", add_completion=False)


@app.callback(invoke_without_command=True)
def serve(
    host: Annotated[str | None, typer.Option(help="default: api.host (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="default: api.port (8000)")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="load the demo group and print an owner token")
    ] = False,
) -> None:
    """Serve the HTTP API with the background worker (analysis, drafting) and the webhook
    deliverer. Configuration comes from the settings tree (MUSHRIF_* variables)."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.config import get_settings
    from assistant.observability.logging import configure_logging
    from assistant.store.demo import seed_demo

    settings = get_settings()
    api = settings.api.model_copy(
        update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
    )
    settings = settings.model_copy(update={"api": api})
    configure_logging(settings)
    application = create_app(settings)
    if demo:
        result = seed_demo(application.state.services.store, settings)
        typer.echo(
            f"demo group '{result.group_id}' loaded ({result.posts_accepted} new posts).\n"
            f"owner token (also in {result.token_file}):\n  {result.token}\n"
            f"try: curl -H 'Authorization: Bearer {result.token}' "
            f"http://{api.host}:{api.port}/v1/groups/{result.group_id}/queue",
            err=True,
        )
    uvicorn.run(application, host=api.host, port=api.port, log_config=None, access_log=False)
