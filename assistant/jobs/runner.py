"""A background loop on a daemon thread: runs ``step`` until stopped, sleeping when idle."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class BackgroundLoop:
    name = "loop"

    def __init__(self, *, poll_interval_s: float) -> None:
        self.poll_interval_s = poll_interval_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> int:
        """Do one round of work; return how many units were handled (0 = idle)."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Runs once on the thread before the first step (e.g. load models)."""

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"mushrif-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.prepare()
        except Exception:
            log.exception("%s failed to start", self.name)
            return
        while not self._stop.is_set():
            try:
                handled = self.step()
            except Exception:
                log.exception("%s step failed", self.name)
                handled = 0
            if handled == 0:
                self._wake.wait(self.poll_interval_s)
                self._wake.clear()
