"""Runs the benchmarks in order, on one set of servers and one work folder, and prints the
table (also kept in build/bench/results.md). bench/run runs them all (or BENCH_ONLY); each
bench/<name> script runs itself alone through here.

A benchmark is a script bench/<name> with run(bench), which measures and leaves its figures
in bench.results[name], rows(results) and details(results) for the table, and SERVERS (does
it need Dovecot and OpenSMTPD)."""
import importlib.machinery
import importlib.util
import os
import random
import shutil
import signal
import sys
import tempfile
import time

from lib.chaser import seed
from lib import common
from lib.common import ONLY, ROOT, START, die, log
from lib.mail import MailMaker
from lib.servers import Servers
from lib.table import machine, table

# The order they run in: the mailbox benchmarks share one generated mail stream (one random
# generator with a fixed seed), so the order is part of what each one gets.
ORDER = ("ingest", "memory", "latency", "timers", "outbound")
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    path = os.path.join(HERE, name)
    loader = importlib.machinery.SourceFileLoader(f"bench_{name}", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class Bench:
    """What the benchmarks of one run share: the chaser binary, the work folder, the
    servers, the results, and the mailbox's seeded state with its mail maker."""

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.srv = None
        self.results = {}
        self.seed_dir = os.path.join(work, "seed")
        self.rng = random.Random(20261126)
        self._maker = None

    def maker(self):
        """A real chaser state made through chaser's own commands (12 agencies, 300
        conferences, their lists sent, half authorised) and the maker of mail that answers
        it: made at first use."""
        if self._maker is None:
            confs = int(os.environ.get("BENCH_CONFERENCES", "300"))
            log(f"seeding {confs} conferences through chaser's own commands")
            _, _, sent, authorised = seed(self.binary, self.seed_dir, confs, self.rng)
            self._maker = MailMaker(self.rng, sent, authorised)
        return self._maker


def main(only=None):
    only = only or ONLY
    if os.geteuid() != 0:
        die("run as root: the test servers drop privileges to their own users")
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                             os.path.join(ROOT, "build/chaser"))
    if not os.access(binary, os.X_OK):
        die(f"no chaser binary at {binary}: make build/chaser first")
    for tool in ("mbsync", "doveadm", "dovecot", "smtpd", "/usr/bin/time"):
        if not shutil.which(tool):
            die(f"{tool} is missing: scripts/install-deps bench")
    mods = [load(name) for name in ORDER if name in only]
    work = tempfile.mkdtemp(prefix="chaser-bench-")
    os.chmod(work, 0o755)
    common.TRASH = os.path.join(work, "trash")
    log(f"work folder {work}; {machine()}")
    b = Bench(binary, work)
    ok = False

    def on_signal(sig, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        if any(m.SERVERS for m in mods):
            b.srv = Servers(os.path.join(work, "servers"))
        for m in mods:
            m.run(b)
        ok = True
    finally:
        if b.srv:
            b.srv.stop()
        if ok and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        elif not ok:
            log(f"kept {work} for a look")
    rows = [row for m in mods for row in m.rows(b.results)]
    details = "\n".join(line for m in mods for line in m.details(b.results))
    text = (f"{machine()}; bench/run took {(time.monotonic() - START) / 60:.1f} min.\n\n"
            f"{table(rows)}\n\n{details}\n")
    os.makedirs(os.path.join(ROOT, "build/bench"), exist_ok=True)
    with open(os.path.join(ROOT, "build/bench/results.md"), "w") as f:
        f.write(text)
    print(text)
