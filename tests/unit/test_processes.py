"""Worker pools end with the command that started them (govgap.processes): stopped by Ctrl-C or a
signal, or killed outright, the command leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from govgap import processes


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _worker_handlers() -> tuple:
    return tuple(signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, processes.END_SIGNAL))


def _marker_hook(path: str):
    def hook():
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")

    return hook


def _register_marker(path: str) -> None:
    processes.on_worker_exit(_marker_hook(path))


def test_workers_ignore_ctrl_c_and_end_on_the_command_signal():
    with processes.worker_pool(1) as pool:
        sigint, sigterm, end = pool.submit(_worker_handlers).result()
    assert sigint is signal.SIG_IGN  # Ctrl-C reaches every process of the command: the command decides
    assert sigterm is end and getattr(end, "__name__", "") == "_end_worker"


def test_leaving_the_block_by_an_exception_ends_busy_workers_at_once(tmp_path):
    marker = tmp_path / "ended.txt"
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with processes.worker_pool(2, _register_marker, (str(marker),)) as pool:
            pids = {pool.submit(_sleep, 0).result() for _ in range(4)}
            jobs = [pool.submit(_sleep, 120) for _ in range(4)]
            time.sleep(0.5)
            # every worker the pool started (the quick jobs may all have run on one of them)
            workers = set(pool._processes)
            raise KeyboardInterrupt
    assert time.perf_counter() - start < 30, "the pool waited for its jobs instead of ending its workers"
    assert pids <= workers and len(workers) == 2
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in workers)
    assert all(j.cancelled() or j.done() for j in jobs)
    # each worker ran its clean-up (a batch's: kill its kernel) before it ended
    assert set(map(int, marker.read_text(encoding="utf-8").split())) == workers


def test_workers_end_when_the_command_is_killed_outright(tmp_path):
    """SIGKILL leaves the command no chance to clean up: its workers are told by the kernel."""
    pids_file = tmp_path / "pids.txt"
    script = textwrap.dedent(
        f"""
        import os, time
        from govgap import processes

        def job(_):
            time.sleep(120)

        def pid():
            return os.getpid()

        with processes.worker_pool(2) as pool:
            pids = {{pool.submit(pid).result() for _ in range(6)}}
            [pool.submit(job, i) for i in range(2)]
            with open({str(pids_file)!r}, "w") as f:
                f.write(" ".join(map(str, pids)))
            time.sleep(120)
        """
    )
    command = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    while time.time() < deadline and not pids_file.exists():
        time.sleep(0.1)
    workers = [int(p) for p in pids_file.read_text().split()]
    assert workers and all(psutil.pid_exists(p) for p in workers)
    command.kill()
    command.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(psutil.pid_exists(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if psutil.pid_exists(p)], "a worker outlived the command that was killed"


def test_sigterm_and_sighup_stop_the_command_as_ctrl_c_does():
    with pytest.raises(KeyboardInterrupt) as caught:
        with processes.stop_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    assert isinstance(caught.value, processes.Stopped) and caught.value.signum == signal.SIGTERM
    assert str(caught.value) == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # put back as it was
