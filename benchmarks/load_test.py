"""A classroom load test: simulated students speaking Streamlit's own websocket protocol.

Each student is one browser tab as the server sees it: an HTTP ``GET`` of the prepared link
(index.html, and the proxy's stickiness cookie when there is a proxy), then a websocket on
``/_stcore/stream`` carrying the same protobuf messages the Streamlit frontend sends
(``BackMsg.rerun_script`` with the link's query string, widget states by widget id, the page
hash of a sidebar page switch, the fragment reruns of the kernel-learning animation) and
receiving the ``ForwardMsg`` deltas. Widget ids are learned from those deltas, as the
browser learns them. Each student acts every 1–3 s (uniform), a fixed number of times,
following one lesson plan (:data:`PLAN`): open the teacher's link, set a bias of its own,
change the kernel and the stride, start gradient descent on the kernel-learning page and
watch it, visit the other pages and change something on each, come back.

What it prints, per run:

- p50 / p95 / max seconds per action, overall and per kind of action;
- server CPU seconds per action and the cores used (``/proc/PID/stat``), RSS before, peak
  and after (``/proc/PID/status``) of the app processes;
- exceptions shown in any delta; widget values that belong to *another* student (each
  student sets a distinctive bias on the sliding-window page and a distinctive seed on the
  kernel-learning page; seeing anyone else's is a cross-session leak) and own values lost;
- the kernel-learning refresh gap: time between two animation frames a student receives
  while "Play" is on (its p95 is the number the class notices).

Bounded in count (``--actions`` per student) and time (``--duration`` seconds, then every
student stops and the run ends). Loopback only. Servers it starts (``--processes N``: N
Streamlit processes, and HAProxy from ``deploy/haproxy.cfg.in`` in front when N > 1) are
stopped by PID at the end; ``--url`` targets a running deployment instead (for example one
started by ``deploy/run.sh``; CPU/RSS then need ``--pids``).

Examples (from the repository root)::

    python benchmarks/load_test.py --students 30              # 30 students, one process
    python benchmarks/load_test.py --students 60 --processes 2  # through HAProxy
    python benchmarks/load_test.py --smoke                    # 3 students, 10 s
    python benchmarks/load_test.py --students 30 --actions 100000 --duration 1200  # soak
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_TEMPLATE = ROOT / "deploy" / "haproxy.cfg.in"
#: The teacher's prepared link: the sliding-window page with a Sobel kernel and 'same'.
DEFAULT_LINK = "sliding_window?k=sobel_x&pad=same"
WIDGET_ID = re.compile(r"^\$\$ID-[0-9a-f]{32}-(?P<key>.+)$")
ACTION_TIMEOUT_S = 90.0
#: --cpu-per-step: wait after a run ends before reading the server's CPU time again.
STEP_SETTLE_S = 0.05
#: A fragment timer faster than this is an animation (kernel learning: 0.2–1 s per frame).
ANIMATION_MAX_S = 5.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

#: Leak markers: a value each student sets that no other student sets.
BIAS_KEY, SEED_KEY = "sw_bias", "kl_seed"


def bias_marker(student: int) -> float:
    """Student ``student``'s own sliding-window bias (distinct, within -100..100)."""
    return 1.25 + student


def seed_marker(student: int) -> int:
    """Student ``student``'s own kernel-learning seed (distinct, within 0..10 000)."""
    return 101 + student


# ------------------------------------------------------------------------------ lesson plan

@dataclass(frozen=True)
class Step:
    """One student action.

    kind is ``load`` (open the link), ``page`` (sidebar switch to ``target``), ``set`` (widget
    ``target`` to ``value``; ``"next"`` picks the next option of a choice widget, ``"mark"``
    the student's marker), ``click`` (button ``target``).
    """

    kind: str
    target: str = ""
    value: object = None


PLAN = (
    Step("load"),
    Step("set", BIAS_KEY, "mark"),
    Step("set", "sw_k_preset", "next"),
    Step("set", "sw_geo_stride_h", 2),
    Step("page", "kernel_learning"),
    Step("set", SEED_KEY, "mark"),
    Step("click", "kl_start"),           # Play: the fragment refreshes from now on
    Step("set", "kl_log", True),         # a change while it plays
    Step("page", "padding_stride"),
    Step("set", "ps_geo_stride_h", 2),
    Step("page", "channels"),
    Step("set", "channels_g_groups", "next"),
    Step("page", "pooling"),
    Step("set", "pool_kind", "next"),
    Step("page", "sliding_window"),      # the own bias must still be there
    Step("set", "sw_operation", "next"),
    Step("page", "your_image"),
    Step("page", "kernel_learning"),     # the own seed must still be there
    Step("click", "kl_reset"),
    Step("click", "kl_start"),
    Step("page", "sliding_window"),
    Step("set", "sw_geo_stride_h", 1),
)
#: After the plan, a long run (the soak) repeats it from here (the link is opened once).
PLAN_LOOP_FROM = 2


# ------------------------------------------------------------------------------ one student

@dataclass
class Stats:
    """What all students saw, for the report."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refresh_gaps: list[float] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fragment_runs: int = 0
    #: ``--cpu-per-step`` only: server CPU seconds of each script run, by step label.
    step_cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


class Student:
    """One simulated browser tab."""

    def __init__(self, index: int, base: str, link: str, stats: Stats, students: int,
                 server_cpu=None):
        self.index, self.base, self.link, self.stats = index, base, link, stats
        self.server_cpu = server_cpu  # --cpu-per-step: a callable giving the server's CPU s
        self.label = ""                           # what the next run is, for step_cpu
        self.others_bias = {bias_marker(j) for j in range(students) if j != index}
        self.others_seed = {seed_marker(j) for j in range(students) if j != index}
        self.ws = None
        self.cookie = ""
        self.ids: dict[str, str] = {}            # widget key -> widget id
        self.elements: dict[str, object] = {}    # widget key -> its element proto
        self.states: dict[str, object] = {}      # widget id -> WidgetState sent with reruns
        self.pages: dict[str, str] = {}          # url path -> page script hash
        self.page = ""
        self.query = ""
        self.done: asyncio.Future | None = None
        self.auto: dict[str, float] = {}         # fragment id -> interval (s)
        self.last_frame: float | None = None
        self.busy = False
        self.marked_bias = self.marked_seed = False

    # ---- sending
    def _rerun(self, *, page_hash: str = "", page_name: str = "", fragment: str = "",
               auto: bool = False) -> bytes:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = page_hash or self.pages.get(self.page, "")
        if page_name:
            cs.page_name = page_name
        cs.fragment_id = fragment
        cs.is_auto_rerun = auto
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/{self.page}"
        cs.widget_states.widgets.extend(self.states.values())
        return msg.SerializeToString()

    async def _run(self, payload: bytes, label: str = "") -> None:
        """Send one rerun request and wait until that run has finished."""
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        before = self.server_cpu() if self.server_cpu else 0.0
        await self.ws.send(payload)
        await asyncio.wait_for(self.done, ACTION_TIMEOUT_S)
        if self.server_cpu:
            await asyncio.sleep(STEP_SETTLE_S)  # the last deltas are sent after the run ends
            self.stats.step_cpu[label or self.label].append(self.server_cpu() - before)

    # ---- receiving
    def _on_message(self, raw: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session" and not msg.metadata.run.fragment_ids:
            self.auto.clear()  # a full run starts: the browser drops its fragment timers
        elif kind == "navigation":
            for page in msg.navigation.app_pages:
                self.pages[page.url_pathname] = page.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
            self._check_query(self.query)
        elif kind == "auto_rerun":
            self.auto[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.auto.pop(fid, None)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._on_element(msg.delta.new_element)
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            if status == "FINISHED_EARLY_FOR_RERUN":
                return  # st.rerun() or a newer request: another run follows
            if status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
                self.stats.fragment_runs += 1
            self._frame()
            if self.done is not None and not self.done.done():
                self.done.set_result(status)

    def _on_element(self, element) -> None:
        etype = element.WhichOneof("type")
        if etype == "exception":
            exc = element.exception
            self.stats.exceptions.append(f"student {self.index} on {self.page}: "
                                         f"{exc.type}: {exc.message[:200]}")
            return
        sub = getattr(element, etype, None)
        wid = getattr(sub, "id", "") if sub is not None else ""
        match = WIDGET_ID.match(wid) if isinstance(wid, str) else None
        if not match:
            return
        key = match["key"]
        self.ids[key], self.elements[key] = wid, sub
        if key == BIAS_KEY and sub.HasField("value"):
            self._check_value("bias", float(sub.value), bias_marker(self.index),
                              self.others_bias, self.marked_bias)
        elif key == SEED_KEY and sub.HasField("value"):
            self._check_value("seed", round(sub.value), seed_marker(self.index),
                              self.others_seed, self.marked_seed)

    def _frame(self) -> None:
        """A run finished: while the animation plays, that is a new frame on screen."""
        now = time.monotonic()
        if not any(interval < ANIMATION_MAX_S for interval in self.auto.values()):
            self.last_frame = None  # not playing (ui.reconnect's slow timer is no animation)
            return
        if self.last_frame is not None:
            self.stats.refresh_gaps.append(now - self.last_frame)
        self.last_frame = now

    def _check_value(self, what: str, value, own, others: set, marked: bool) -> None:
        if value in others:
            self.stats.leaks.append(f"student {self.index} saw {what} {value} "
                                    f"(own {own}) on {self.page}")
        elif marked and value != own:
            self.stats.lost.append(f"student {self.index}: {what} {value}, expected {own}")

    def _check_query(self, query: str) -> None:
        for name, value in re.findall(r"(?:^|&)(bias|seed)=([^&]+)", query):
            try:
                number = float(value)
            except ValueError:
                continue
            others = self.others_bias if name == "bias" else self.others_seed
            if number in others:
                self.stats.leaks.append(f"student {self.index} got {name}={value} in the URL")

    async def _reader(self) -> None:
        try:
            async for raw in self.ws:
                if isinstance(raw, bytes):
                    self._on_message(raw)
        except websockets.ConnectionClosed:
            pass
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError("websocket closed"))

    # ---- actions
    async def _http_get(self, path: str) -> None:
        """GET the page like a browser (index.html), keeping the proxy's cookie."""
        def get() -> str:
            req = urllib.request.Request(f"{self.base}/{path}")
            with urllib.request.urlopen(req, timeout=ACTION_TIMEOUT_S) as resp:
                resp.read()
                cookies = resp.headers.get_all("Set-Cookie") or []
            return "; ".join(c.split(";", 1)[0] for c in cookies)
        self.cookie = await asyncio.to_thread(get)

    async def load(self) -> None:
        page, _, query = self.link.partition("?")
        await self._http_get(self.link)
        ws_url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"],
                                           additional_headers=headers, max_size=None,
                                           open_timeout=ACTION_TIMEOUT_S,
                                           ping_interval=None)
        self.reader = asyncio.create_task(self._reader())
        self.page, self.query = page, query
        await self._run(self._rerun(page_name=page))

    async def switch(self, page: str) -> None:
        if page not in self.pages:
            raise RuntimeError(f"page {page!r} is not in the navigation")
        self.page, self.query = page, ""  # the sidebar link drops the query string
        self.states = {k: v for k, v in self.states.items() if k.endswith("-presenter")}
        self.last_frame = None
        await self._run(self._rerun(page_hash=self.pages[page]))

    def _state_for(self, key: str, value) -> object:
        if key not in self.ids:
            raise RuntimeError(f"no widget {key!r} on {self.page}")
        element = self.elements[key]
        etype = type(element).__name__
        state = BackMsg().rerun_script.widget_states.widgets.add()
        state.id = self.ids[key]
        if value == "next":  # the next option of a selectbox / radio
            options = list(element.options)
            current = element.raw_value if element.HasField("raw_value") else options[
                element.default]
            value = options[(options.index(current) + 1) % len(options)] \
                if current in options else options[0]
        if etype == "NumberInput":
            state.double_value = float(value)
        elif etype == "Checkbox":
            state.bool_value = bool(value)
        elif etype in ("Selectbox", "Radio"):
            state.string_value = str(value)
        else:
            raise RuntimeError(f"widget {key!r} of kind {etype} is not handled")
        return state

    async def set(self, key: str, value) -> None:
        if value == "mark":
            value = bias_marker(self.index) if key == BIAS_KEY else seed_marker(self.index)
        state = self._state_for(key, value)
        self.states[state.id] = state
        await self._run(self._rerun())
        if key == BIAS_KEY:
            self.marked_bias = True
        elif key == SEED_KEY:
            self.marked_seed = True

    async def click(self, key: str) -> None:
        if key not in self.ids:
            raise RuntimeError(f"no button {key!r} on {self.page}")
        msg = BackMsg()
        trigger = msg.rerun_script.widget_states.widgets.add()
        trigger.id, trigger.trigger_value = self.ids[key], True
        payload = BackMsg()
        payload.ParseFromString(self._rerun())
        payload.rerun_script.widget_states.widgets.append(trigger)
        await self._run(payload.SerializeToString())

    async def think(self, seconds: float) -> None:
        """Wait like a student reading the page; a playing animation keeps refreshing."""
        end = time.monotonic() + seconds
        next_tick: dict[str, float] = {}
        while (now := time.monotonic()) < end:
            if not self.auto:
                await asyncio.sleep(min(0.05, end - now))
                continue
            for fid, interval in list(self.auto.items()):
                due = next_tick.setdefault(fid, now + interval)
                if now >= due and not self.busy:
                    next_tick[fid] = now + interval
                    self.busy = True
                    try:
                        await self._run(self._rerun(fragment=fid, auto=True),
                                        label=f"tick  {self.page}")
                    finally:
                        self.busy = False
            await asyncio.sleep(0.02)

    async def act(self, step: Step) -> None:
        where = step.target if step.kind == "page" else self.page or self.link.split("?")[0]
        what = "" if step.kind in ("page", "load") else f" {step.target}"
        self.label = f"{step.kind:5s} {where}{what}"
        if step.kind == "load":
            await self.load()
        elif step.kind == "page":
            await self.switch(step.target)
        elif step.kind == "set":
            await self.set(step.target, step.value)
        elif step.kind == "click":
            await self.click(step.target)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            await self.reader


async def run_student(index: int, base: str, link: str, actions: int, deadline: float,
                      stats: Stats, students: int, rng: random.Random,
                      think: tuple[float, float], server_cpu=None) -> None:
    student = Student(index, base, link, stats, students, server_cpu)
    await asyncio.sleep(rng.uniform(0, 1.0))  # a class does not click in the same ms
    try:
        for n in range(actions):
            if time.monotonic() >= deadline:
                break
            step = PLAN[n] if n < len(PLAN) else PLAN[
                PLAN_LOOP_FROM + (n - len(PLAN)) % (len(PLAN) - PLAN_LOOP_FROM)]
            started = time.monotonic()
            try:
                await student.act(step)
            except Exception as err:  # every failure is counted, none hidden
                stats.errors.append(f"student {index} {step.kind} {step.target}: "
                                    f"{type(err).__name__}: {err}")
                if student.ws is None:
                    return
            else:
                stats.times[step.kind].append(time.monotonic() - started)
            pause = rng.uniform(*think)
            await student.think(min(pause, max(0.0, deadline - time.monotonic())))
    finally:
        await student.close()


# ------------------------------------------------------------------------------ servers

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen | None, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read() == b"ok":
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer /_stcore/health within {timeout:.0f} s")


def start_app(port: int, log: Path, post_script_gc: str | None,
              app_dir: Path = ROOT) -> subprocess.Popen:
    """``streamlit run app.py`` of ``app_dir`` on 127.0.0.1:port in its own process group."""
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    if post_script_gc is not None:
        cmd += ["--runner.postScriptGC", post_script_gc]
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=app_dir, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def render_haproxy(port: int, app_ports: list[int]) -> str:
    """deploy/haproxy.cfg.in with the front port and one ``server`` line per app process."""
    servers = "\n".join(
        f"    server app{n} 127.0.0.1:{p} cookie app{n} check inter 2s fall 2 rise 2"
        for n, p in enumerate(app_ports, 1))
    text = HAPROXY_TEMPLATE.read_text(encoding="utf-8")
    lines = [servers if line == "@SERVERS@" else line.replace("@BIND@", f"127.0.0.1:{port}")
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def start_haproxy(config: Path, log: Path) -> subprocess.Popen:
    exe = shutil.which("haproxy") or "/usr/sbin/haproxy"
    with open(log, "wb") as out:
        return subprocess.Popen([exe, "-db", "-f", str(config)], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def start_profiler(pid: int, out: Path, gil: bool) -> subprocess.Popen:
    """py-spy sampling ``pid`` (all threads, 100 Hz, samples of running threads only, or with
    ``gil`` of the thread holding the GIL only) into ``out`` as collapsed stacks (one
    ``frame;frame;... count`` line per distinct stack)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", "100", "--format",
                             "raw", "--output", str(out), "--nonblocking",
                             *(["--gil"] if gil else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop one process we started, by its PID (its own process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ------------------------------------------------------------------------------ measuring

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def precise_cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid`` (all its threads, ended ones included) in nanosecond
    resolution, for timing single script runs: ``/proc/PID/stat`` counts 10 ms ticks, and
    the per-thread ``schedstat`` loses the script threads that have ended. The process's
    CPU clock id is ``MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`` (Linux)."""
    return time.clock_gettime(((~pid) << 3) | 2)


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE / 2**20


class Monitor:
    """Samples the app processes' RSS every ``period`` s; CPU at start and stop."""

    def __init__(self, pids: list[int], period: float = 0.5):
        self.pids, self.period = pids, period
        self.rss_series: list[tuple[float, float]] = []
        self.peak = 0.0

    def total_rss(self) -> float:
        return sum(rss_mb(p) for p in self.pids if Path(f"/proc/{p}").exists())

    def total_cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.pids if Path(f"/proc/{p}").exists())

    def precise_cpu(self) -> float:
        return sum(precise_cpu_seconds(p) for p in self.pids if Path(f"/proc/{p}").exists())

    async def sample(self, start: float) -> None:
        while True:
            rss = self.total_rss()
            self.peak = max(self.peak, rss)
            self.rss_series.append((time.monotonic() - start, rss))
            await asyncio.sleep(self.period)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summarize(values: list[float]) -> str:
    if not values:
        return "—"
    return (f"n={len(values):4d}  p50 {statistics.median(values):6.2f} s  "
            f"p95 {percentile(values, 95):6.2f} s  max {max(values):6.2f} s")


# ------------------------------------------------------------------------------ main

async def run_load(args, base: str, pids: list[int]) -> dict:
    stats = Stats()
    monitor = Monitor(pids)
    rss_before, cpu_before = monitor.total_rss(), monitor.total_cpu()
    started = time.monotonic()
    deadline = started + args.duration
    sampler = asyncio.create_task(monitor.sample(started))
    rng = random.Random(args.seed)
    server_cpu = monitor.precise_cpu if args.cpu_per_step and pids else None
    students = [run_student(i, base, args.link, args.actions, deadline, stats, args.students,
                            random.Random(rng.random()), args.think, server_cpu)
                for i in range(args.students)]
    try:
        await asyncio.wait_for(asyncio.gather(*students), args.duration + ACTION_TIMEOUT_S)
    except TimeoutError:
        stats.errors.append("the run did not end within --duration + the action timeout")
    wall = time.monotonic() - started
    cpu = monitor.total_cpu() - cpu_before
    await asyncio.sleep(args.settle)
    sampler.cancel()
    rss_after = monitor.total_rss()
    all_times = [t for ts in stats.times.values() for t in ts]
    return {"stats": stats, "wall": wall, "cpu": cpu, "actions": len(all_times),
            "all_times": all_times, "rss_before": rss_before, "rss_peak": monitor.peak,
            "rss_after": rss_after, "rss_series": monitor.rss_series}


def report(args, result: dict) -> str:
    s: Stats = result["stats"]
    n = max(1, result["actions"])
    lines = [f"students {args.students}, processes {args.processes or 'external'}, "
             f"actions/student ≤ {args.actions}, duration ≤ {args.duration:.0f} s, "
             f"link /{args.link}",
             f"  all actions   {summarize(result['all_times'])}"]
    for kind in ("load", "set", "click", "page"):
        lines.append(f"  {kind:13s} {summarize(s.times.get(kind, []))}")
    lines += [
        f"  refresh gap   {summarize(s.refresh_gaps)}   (kernel learning while playing; "
        f"{s.fragment_runs} fragment runs)",
        f"  server CPU    {result['cpu']:.1f} s over {result['wall']:.0f} s: "
        f"{result['cpu'] / n:.3f} s per action, {result['cpu'] / result['wall']:.2f} cores",
        f"  RSS           before {result['rss_before']:.0f} MB, peak {result['rss_peak']:.0f} "
        f"MB, after {result['rss_after']:.0f} MB ({args.settle:.0f} s after the last close)",
        f"  exceptions    {len(s.exceptions)}",
        f"  leaks         {len(s.leaks)} (values of another student seen)",
        f"  own state lost {len(s.lost)}",
        f"  errors        {len(s.errors)} (timeouts, closed sockets, missing widgets)",
    ]
    for name in ("exceptions", "leaks", "lost", "errors"):
        for item in getattr(s, name)[:5]:
            lines.append(f"    {name}: {item}")
    if s.step_cpu:
        lines.append("  server CPU per script run, one student alone: the first run of each "
                     "step (empty caches) and the median of the later ones")
        for label, values in s.step_cpu.items():
            later = f"{1000 * statistics.median(values[1:]):6.1f} ms" if values[1:] else "—"
            lines.append(f"    {label:42s} n={len(values):3d}  first "
                         f"{1000 * values[0]:6.1f} ms  later {later}")
    return "\n".join(lines)


def cycle_line(cycle: int, result: dict) -> str:
    """One line per class (``--cycles``): does memory come back after the sessions close?"""
    times = result["all_times"]
    p95 = f"{percentile(times, 95):.2f} s" if times else "—"
    return (f"cycle {cycle}: {result['actions']} actions, p95 {p95}, "
            f"{result['cpu'] / max(1, result['actions']):.3f} CPU s per action, RSS before "
            f"{result['rss_before']:.0f} MB, peak {result['rss_peak']:.0f} MB, after "
            f"{result['rss_after']:.0f} MB")


def table_row(args, result: dict) -> str:
    """One Markdown row for benchmarks/README.md."""
    times, n = result["all_times"], max(1, result["actions"])
    gaps = result["stats"].refresh_gaps

    def p(values: list[float], q: float) -> str:
        return f"{percentile(values, q):.2f} s" if values else "—"

    return (f"| {args.students} | {args.processes or 'ext'} | "
            f"{statistics.median(times) if times else 0:.2f} s | {p(times, 95)} | "
            f"{max(times) if times else 0:.2f} s | {result['cpu'] / n:.3f} s | "
            f"{result['cpu'] / result['wall']:.2f} | {p(gaps, 95)} | "
            f"{result['rss_before']:.0f} / {result['rss_peak']:.0f} / "
            f"{result['rss_after']:.0f} MB | {len(result['stats'].exceptions)} | "
            f"{len(result['stats'].leaks)} | {len(result['stats'].errors)} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--actions", type=int, default=12, help="actions per student")
    parser.add_argument("--duration", type=float, default=300.0,
                        help="hard limit in seconds; students stop acting after it")
    parser.add_argument("--processes", type=int, default=1,
                        help="app processes to start (>1: behind HAProxy); 0 with --url")
    parser.add_argument("--url", default="", help="a running deployment instead")
    parser.add_argument("--pids", default="", help="with --url: app PIDs to measure, a,b")
    parser.add_argument("--post-script-gc", choices=["true", "false"], default=None,
                        help="override runner.postScriptGC (default: .streamlit/config.toml)")
    parser.add_argument("--link", default=DEFAULT_LINK, help="the prepared link (no host)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds after the last student leaves before 'RSS after'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                        help="seconds between a student's actions (uniform)")
    parser.add_argument("--smoke", action="store_true",
                        help="3 students, 10 s, 0.2–0.8 s apart (what CI runs)")
    parser.add_argument("--json", default="", help="also write the results to this file")
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="run the app of this checkout (e.g. an older commit unpacked "
                             "with git archive, for before/after figures)")
    parser.add_argument("--cycles", type=int, default=1,
                        help="run the class this many times on the same servers, one line "
                             "each (memory after the sessions close)")
    parser.add_argument("--profile", default="",
                        help="record the app processes with py-spy into this file (collapsed "
                             "stacks; benchmarks/profile_summary.py reads it)")
    parser.add_argument("--profile-gil", action="store_true",
                        help="with --profile: only samples of the thread holding the GIL (what "
                             "limits one process)")
    parser.add_argument("--cpu-per-step", action="store_true",
                        help="one student alone; print the server's CPU time of every step "
                             "of the lesson plan and of the animation's ticks")
    args = parser.parse_args(argv)
    if args.cpu_per_step:
        args.students = 1
    if args.smoke:
        args.students, args.actions, args.duration, args.settle = 3, 10, 10.0, 1.0
        args.think = (0.2, 0.8)
    if args.url:
        args.processes = 0
    if not (args.app_dir / "app.py").is_file():
        parser.error(f"--app-dir {args.app_dir} has no app.py")
    if not 1 <= args.cycles <= 20:
        parser.error("--cycles must be 1..20")
    if args.students < 1 or args.students > 200:
        parser.error("--students must be 1..200")
    if not args.url and not 1 <= args.processes <= 8:
        parser.error("--processes must be 1..8")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    procs: list[subprocess.Popen] = []
    logdir = ROOT / ".pytest_cache" / "load_test"
    logdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.url:
            base = args.url.rstrip("/")
            pids = [int(p) for p in args.pids.split(",") if p]
            if not base.startswith(("http://127.0.0.1", "http://localhost")):
                raise SystemExit("--url must be on loopback (127.0.0.1 / localhost)")
        else:
            ports = [free_port() for _ in range(args.processes)]
            apps = [start_app(p, logdir / f"app-{p}.log", args.post_script_gc, args.app_dir)
                    for p in ports]
            procs += apps
            for port, proc in zip(ports, apps, strict=True):
                wait_healthy(f"http://127.0.0.1:{port}", proc)
            pids = [p.pid for p in apps]
            base = f"http://127.0.0.1:{ports[0]}"
            if args.processes > 1:
                front = free_port()
                config = logdir / f"haproxy-{front}.cfg"
                config.write_text(render_haproxy(front, ports), encoding="utf-8")
                proxy = start_haproxy(config, logdir / f"haproxy-{front}.log")
                procs.append(proxy)
                base = f"http://127.0.0.1:{front}"
                wait_healthy(base, proxy)
        # One warm-up visit, as the teacher opening the link first: imports, caches.
        warm = argparse.Namespace(**{**vars(args), "students": 1, "actions": 1})
        asyncio.run(run_load(warm, base, []))
        profilers = [start_profiler(pid, Path(f"{args.profile}.{n}") if n else
                                    Path(args.profile), args.profile_gil)
                     for n, pid in enumerate(pids)
                     ] if args.profile else []
        procs += profilers
        cycles = []
        for cycle in range(args.cycles):  # the same class again, on the same servers
            result = asyncio.run(run_load(args, base, pids))
            cycles.append(cycle_line(cycle + 1, result))
            if args.cycles > 1:
                print(cycles[-1], flush=True)
        for profiler in profilers:  # SIGINT: py-spy writes its samples and exits
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
    finally:
        for proc in reversed(procs):
            stop(proc)
    print(report(args, result))
    print(table_row(args, result))
    if args.json:
        s = result["stats"]
        Path(args.json).write_text(json.dumps({
            "students": args.students, "processes": args.processes,
            "times": s.times, "refresh_gaps": s.refresh_gaps, "cpu": result["cpu"],
            "wall": result["wall"], "rss_before": result["rss_before"],
            "rss_peak": result["rss_peak"], "rss_after": result["rss_after"],
            "rss_series": result["rss_series"], "exceptions": s.exceptions,
            "leaks": s.leaks, "lost": s.lost, "errors": s.errors,
            "step_cpu": s.step_cpu}, indent=1))
    s = result["stats"]
    return 1 if (s.exceptions or s.leaks or s.errors or s.lost) else 0


if __name__ == "__main__":
    sys.exit(main())
