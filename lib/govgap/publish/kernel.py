"""A batch worker's one kernel: started once, reused for every run of the worker, cleared at the
start of each run, and ended with the worker.

A new client per run would wait 0.2 s each time for the kernel's output channel to fall quiet
(jupyter_client's ``wait_for_ready``; a report takes about 1.3 s), during which neither the worker
nor its kernel works; a cell's messages are told apart by their parent's id, so one client kept
connected serves every run.

Two workers start their kernels in the same instant. Over TCP each picks five free ports by
asking the system for them and letting them go, and the system can hand both workers the same
port: the kernel that loses cannot bind it, hangs while closing, and the worker waits out the
start-up timeout (seen in a test run). Where the system has Unix sockets, each worker's kernel
talks through files in a folder of its own, so no two kernels can meet; elsewhere (Windows) it is
TCP. Either way a kernel that does not come up is ended and one new one is tried.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

from govgap import processes

START_TIMEOUT_S = 60  # a kernel answers in about a second; a minute allows for a loaded machine
_START_FAULTS = ("before replying to kernel_info", "didn't respond")  # jupyter_client's words

# What %reset -f clears (the names, the output cache and the last results, the history) and the
# open figures, without the full garbage collection that IPython's reset ends with (its output
# cache flush calls gc.collect()): about 0.07 s a report in a kernel that holds pandas,
# matplotlib and the processed tables, while Python's own collector frees the previous run's
# figures as it goes. The function's name goes with the names it clears.
RESET_CELL = """\
def _fresh_run(shell=get_ipython()):
    import matplotlib.pyplot as plt

    hook = shell.displayhook
    full, hook.do_full_cache = hook.do_full_cache, False
    try:
        shell.reset(new_session=False)
    finally:
        hook.do_full_cache = full
    hook._ = hook.__ = hook.___ = ""
    plt.close("all")


_fresh_run()"""

# per worker process: the manager ("km") and the client ("kc") of its kernel; "starting", the
# client whose kernel is coming up; "sockets", the folder of the kernel's Unix sockets
_KERNEL: dict = {}


def new_manager():
    """A manager for a kernel not yet started: over Unix sockets in a new folder where the system
    has them, over TCP elsewhere."""
    from jupyter_client.manager import AsyncKernelManager

    if os.name != "posix":
        return AsyncKernelManager(kernel_name="python3")
    folder = tempfile.mkdtemp(prefix="govgap-kernel-")
    _KERNEL.setdefault("sockets", []).append(folder)
    return AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(folder, "k"))


def _remove_socket_folders() -> None:
    for folder in _KERNEL.pop("sockets", []):
        shutil.rmtree(folder, ignore_errors=True)


def shutdown() -> None:
    """End the worker's kernel cleanly (the worker ends normally, or the kernel failed)."""
    kc = _KERNEL.pop("kc", None)
    if kc is not None:
        kc.stop_channels()
    km = _KERNEL.pop("km", None)
    if km is not None:
        from jupyter_core.utils import run_sync

        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # the kernel may already be gone; nothing else to clean
            pass
    _remove_socket_folders()


def kill() -> None:
    """The worker is told to end (the batch was stopped): its kernel, in a session of its own, ends
    with it, now, and its connection file and sockets are removed."""
    starting = getattr(_KERNEL.pop("starting", None), "km", None)
    for km in {id(k): k for k in (_KERNEL.pop("km", None), starting) if k is not None}.values():
        pgid = getattr(getattr(km, "provisioner", None), "pgid", None)
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:  # already gone
                pass
        km.cleanup_connection_file()
    _remove_socket_folders()


def _quiet_worker(log_path: str) -> None:
    """Send a worker's stderr (kernel start-up chatter) to a log file instead of the terminal."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def worker_init(log_path: str) -> None:
    """A batch worker's set-up: its stderr to ``log_path``, its kernel ended when it ends."""
    from multiprocessing import util

    _quiet_worker(log_path)
    util.Finalize(None, shutdown, exitpriority=100)  # a worker ending normally: a clean shutdown
    processes.on_worker_exit(kill)  # a worker told to end: the kernel is killed


def _alive_manager():
    """The worker's kernel manager when its kernel still runs; ``None`` when a new one is needed."""
    km = _KERNEL.get("km")
    if km is None:
        return None
    from jupyter_core.utils import run_sync

    if run_sync(km.is_alive)():
        return km
    shutdown()
    return None


def execute(notebook, folder: str) -> None:
    """Run ``notebook`` (in place) in the worker's kernel, started if there is none, with
    ``folder`` as its working folder. A kernel that does not come up is ended and one new one is
    tried; a cell's error is raised as nbclient raises it."""
    from nbclient import NotebookClient

    for attempt in (1, 2):
        km = _alive_manager()
        client = NotebookClient(
            notebook,
            km=km or new_manager(),
            kernel_name="python3",
            timeout=900,
            startup_timeout=START_TIMEOUT_S,
            resources={"metadata": {"path": folder}},
        )
        client.kc = _KERNEL.get("kc") if km is not None else None  # connected already: no new wait
        _KERNEL["starting"] = client  # its kernel, while it starts, is one to end if the worker is told to
        try:
            client.execute(cleanup_kc=False)
            return
        except RuntimeError as exc:
            if not any(fault in str(exc) for fault in _START_FAULTS):
                raise
            fault = exc
        finally:
            _KERNEL.pop("starting", None)
            _KERNEL["km"], _KERNEL["kc"] = client.km, client.kc  # kept for the next run
            processes.restore_worker_signals()  # nbclient set its own SIGINT/SIGTERM handlers, then the defaults
        shutdown()  # a kernel that did not come up is ended (nbclient tried already), its sockets removed
        if attempt == 2:
            raise fault
