"""Worker processes that end with the command that started them.

``prepare`` cleans exports in a pool of processes and ``reports`` renders in one, each of whose
workers runs a Jupyter kernel in a session of its own. However the command is stopped (Ctrl-C,
``kill``, a closed terminal, or killed outright), it takes them all with it: no worker is left
rendering, waiting or holding memory, and none writes a file after the command said it stopped.

- ``stop_signals()``, in the command's process: SIGTERM and SIGHUP stop it as Ctrl-C does, by
  raising ``Stopped`` (a ``KeyboardInterrupt``), so one clean-up runs whichever way it was stopped.
- ``worker_pool(n, initializer, initargs)``: a ``ProcessPoolExecutor`` whose workers
  - ignore SIGINT (the terminal sends Ctrl-C to every process of the command; the command's own
    process decides, and ends them);
  - end on ``END_SIGNAL`` (SIGUSR1) or SIGTERM, after the clean-ups registered with
    ``on_worker_exit`` (a kernel killed). SIGUSR1 is what the command sends: nbclient replaces a
    worker's SIGTERM handler with its own while it runs a notebook (and leaves the default one
    after), so SIGTERM alone would let a worker go on to its next report;
  - are sent ``END_SIGNAL`` when the command's process dies, even by SIGKILL (Linux
    ``PR_SET_PDEATHSIG``).

  Leaving the ``with`` block by an exception (Ctrl-C, a full disk) ends the workers at once
  instead of waiting for the jobs they are running.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
END_SIGNAL = signal.SIGUSR1  # the command to its workers: end now (no library in a worker claims it)


class Stopped(KeyboardInterrupt):
    """The command was asked to stop by a signal; ``signum`` is which (exit code 128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stop_signals():
    """Within the block, SIGTERM and SIGHUP raise ``Stopped`` in the main thread."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return

    def stop(signum, frame):
        raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


_EXIT_HOOKS: list = []  # per worker process: what to undo before it ends


def on_worker_exit(hook) -> None:
    """Run ``hook()`` when this worker is told to end (SIGTERM), before it exits."""
    _EXIT_HOOKS.append(hook)


def _end_worker(signum, frame) -> None:
    for hook in reversed(_EXIT_HOOKS):
        try:
            hook()
        except Exception:  # noqa: BLE001 - ending anyway: one failed clean-up must not keep the worker alive
            pass
    os._exit(128 + signum)


def _die_with(parent: int) -> None:
    """Ask the kernel to send this process ``END_SIGNAL`` when ``parent`` (the command) dies."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(END_SIGNAL))
        except (OSError, AttributeError):  # no prctl: the command's own clean-up still ends the workers
            pass
    if os.getppid() != parent:  # the command died before the request above was made
        _end_worker(END_SIGNAL, None)


def restore_worker_signals() -> None:
    """A worker's signal handling, set again after a library changed it (nbclient does, per notebook)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    signal.signal(END_SIGNAL, _end_worker)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _start_worker(parent: int, initializer, initargs) -> None:
    _EXIT_HOOKS.clear()  # a forked worker must not run its parent's hooks
    restore_worker_signals()
    _die_with(parent)
    if initializer is not None:
        initializer(*initargs)


@contextmanager
def worker_pool(workers: int, initializer=None, initargs: tuple = ()):
    """A process pool whose workers end with the command (see the module's docstring)."""
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), initializer, initargs)
    )
    try:
        yield pool
    except BaseException:
        end_workers(pool)
        raise
    pool.shutdown(wait=True)


def end_workers(pool: ProcessPoolExecutor, grace_s: float = 10.0) -> None:
    """Cancel the pool's queued jobs and end its workers now (``END_SIGNAL``, then SIGKILL after ``grace_s``)."""
    # the pool's own list of its processes: Python 3.14 has terminate_workers(), 3.11 does not
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # and its manager thread, taken now: shutdown() forgets it (sets it to None) when it does not wait
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            try:
                os.kill(process.pid, END_SIGNAL)
            except ProcessLookupError:
                pass
    for process in processes:
        process.join(grace_s)
        if process.is_alive():
            process.kill()
            process.join()
    # the pool's manager thread marks the jobs of the ended workers as failed: wait for it, so every
    # job is settled (cancelled or done) when this returns, not a moment later
    if manager is not None and manager.is_alive():
        manager.join(grace_s)
