"""A Prefect API server process on 127.0.0.1: started, checked through its health route, stopped.

`reportflow run` starts one as its temporary API (`temporary_api.py`), `reportflow serve` one that it
supervises (`serve.py`). Standard library only: the command imports this before Prefect.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Sequence

# The health check goes straight to 127.0.0.1, never through an http_proxy of the environment.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_PR_SET_PDEATHSIG = 1


class ServerProcess:
    """One server process; with `own_session` it and its children form a group that is stopped as one.

    A session of its own keeps a Ctrl-C meant for the command from reaching the server before the command
    has shut down. With `end_with_parent`, Linux ends the server when the command dies, SIGKILL included.
    """

    def __init__(
        self,
        command: Sequence[str],
        port: int,
        env: dict[str, str],
        *,
        own_session: bool = False,
        end_with_parent: bool = False,
        keep_errors: bool = False,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}/api"
        self._own_session = own_session
        self._process = subprocess.Popen(
            list(command),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if keep_errors else subprocess.DEVNULL,
            start_new_session=own_session,
            preexec_fn=_end_with_parent() if end_with_parent else None,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the server process has ended, else None."""
        return self._process.poll()

    def wait_healthy(self, timeout: float, interval: float = 0.05) -> bool:
        """Wait until the server answers on its health route; False if it exited or did not answer in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.returncode is None:
            with contextlib.suppress(OSError), _NO_PROXY.open(f"{self.url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return True
            time.sleep(interval)
        return False

    def errors(self) -> str:
        """The end of what the server wrote to stderr (kept only with `keep_errors`, until `forget_errors`);
        read once the server has stopped, since the read lasts until the stream ends."""
        stream = self._process.stderr
        if stream is None or stream.closed:
            return ""
        with stream:
            return stream.read().decode(errors="replace")[-2000:].strip()

    def forget_errors(self) -> None:
        if self._process.stderr:
            self._process.stderr.close()

    def stop(self, grace: float) -> None:
        """SIGTERM to the server (its whole group with `own_session`), SIGKILL to what is left after GRACE s."""
        deadline = time.monotonic() + grace
        with contextlib.suppress(ProcessLookupError):
            self._signal(signal.SIGTERM)
            while self._running() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self._running():
                self._signal(signal.SIGKILL)
        self._process.wait()

    def _signal(self, signum: int) -> None:
        if self._own_session:
            os.killpg(self._process.pid, signum)
        else:
            self._process.send_signal(signum)

    def _running(self) -> bool:
        """The process, or with `own_session` any process of its group (uvicorn may outlive its parent)."""
        exited = self._process.poll() is not None  # reaped here, so that a zombie leader does not count
        if not self._own_session:
            return not exited
        try:
            os.killpg(self._process.pid, 0)
        except ProcessLookupError:
            return False
        return True


def _end_with_parent() -> Callable[[], None] | None:
    """What the child runs so that Linux ends the server when the command dies, SIGKILL included.

    `prctl` is looked up here, in the parent: the child may only make the call (no loading of
    libraries between fork and exec).
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the command died before the call
            os._exit(1)

    return in_child
