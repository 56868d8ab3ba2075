"""Errors raised by the model layer, each with a message a user can act on."""


class BackendError(RuntimeError):
    """A backend could not be created or used."""


class BackendNotInstalledError(BackendError):
    """The Python package behind a backend is missing."""

    def __init__(self, backend: str, package: str, extra: str | None = None) -> None:
        hint = f"pip install 'mushrif[{extra}]'" if extra else f"pip install {package}"
        super().__init__(
            f"backend '{backend}' needs the package '{package}', which is not installed: {hint}"
        )
        self.backend = backend
        self.package = package


class ModelFileMissingError(BackendError):
    """A model file or directory the configuration names does not exist."""

    def __init__(self, backend: str, path: str, how_to_fix: str) -> None:
        super().__init__(f"backend '{backend}': model file not found at {path}. {how_to_fix}")
        self.backend = backend
        self.path = path


class UnknownBackendError(BackendError):
    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(
            f"no {kind} backend named '{name}'; registered {kind} backends: {', '.join(known)}"
        )
