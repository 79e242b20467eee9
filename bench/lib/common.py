"""What every benchmark shares: the knobs, the story's clock, logging, running and timing a
command. The knobs are environment variables (see bench/README.md)."""
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# Every figure the median of three: chaser's side of the ingest takes half a minute, a latency
# run of 200 messages near two (Dovecot tells IDLE clients half a second late); `make bench`
# took 25 minutes here, most of it the 1M-open database's seeding and the latency runs.
INGEST_RUNS = int(os.environ.get("BENCH_INGEST_RUNS", "3"))
LATENCY_RUNS = int(os.environ.get("BENCH_LATENCY_RUNS", "3"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
LATENCY_MESSAGES = int(os.environ.get("BENCH_LATENCY", "200"))
OPEN_SIZES = [int(x) for x in os.environ.get("BENCH_OPEN", "10000 100000 1000000").split()]
DUE = int(os.environ.get("BENCH_DUE", "10000"))
OUTBOUND = int(os.environ.get("BENCH_OUTBOUND", "2000"))
ONLY = os.environ.get("BENCH_ONLY", "ingest latency timers outbound memory").split()
ATTACHMENT_MB = 25

# The story's clock. Conferences were held on Friday 20 November 2026, lists went out on
# Monday, the first chairs answered on Tuesday; the benchmarks run on Thursday 26 November at
# 10:00, a working day inside working hours, so tick acts. Saturday is the start-up floor.
SEED_NOW = "2026-11-23T09:30"
AUTH_NOW = "2026-11-24T09:10"
NOW = "2026-11-26T10:00"
SATURDAY = "2026-11-28T10:00"
LATER = "2026-11-26T10:05"         # past the outbox's first retry (one minute)
DUE_AT = "2026-11-25T09:00:00Z"   # before NOW: due
QUIET_AT = "2027-06-01T09:00:00Z"  # the pattern conference's own timers: never due here
HELD = "2026-11-20T10:00"

START = time.monotonic()


def log(msg):
    t = time.monotonic() - START
    print(f"[bench {int(t) // 60:02d}:{int(t) % 60:02d}] {msg}", file=sys.stderr, flush=True)


def die(msg):
    log("FAILED: " + msg)
    sys.exit(1)


def run(cmd, check=True, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    p = subprocess.run(cmd, text=True, **kw)
    if check and p.returncode != 0:
        die(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def timed(cmd, log_path=None, cwd=None, ok_codes=(0,)):
    """Wall seconds, peak RSS (KiB, GNU time's %M), stdout as text, and CPU seconds (user +
    system) of one command."""
    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    err = open(log_path, "a") if log_path else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", rss_file.name] + cmd,
                       stdout=subprocess.PIPE, stderr=err, text=True, cwd=cwd)
    wall = time.monotonic() - t0
    if log_path:
        err.close()
    with open(rss_file.name) as f:
        last = f.read().strip().split("\n")[-1].split()
    os.unlink(rss_file.name)
    if p.returncode not in ok_codes:
        die(f"{' '.join(cmd)} exited {p.returncode}: {p.stdout}" +
            (f" (see {log_path})" if log_path else ""))
    return wall, int(last[0]), p.stdout, float(last[1]) + float(last[2])


def median(xs):
    return statistics.median(xs)


def percentile(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def sync():
    # Dirty pages left by a reset would otherwise be written back inside the next timed run.
    os.sync()


def chown_tree(path, user="dovecot"):
    run(["chown", "-R", f"{user}:{user}", path])


# Where discard() puts what a run leaves, to be removed with the work folder at the end.
TRASH = None


def discard(path):
    """Puts path out of the way without deleting it. On this machine's ext4 (no journal) a
    file made within a minute or more of a mass deletion costs the kernel a walk past every
    inode just freed (find_inode_bit -> recently_deleted: a fifth of chaser's CPU in a run
    that began seconds after the previous run's 10,000 files were deleted, and growing from
    run to run). No mail system deletes its whole store before each message, so nothing is
    deleted until the benchmarks are over: each run's leftovers are renamed into TRASH."""
    if not os.path.lexists(path):
        return
    if TRASH is None:
        shutil.rmtree(path, ignore_errors=True)
        return
    os.makedirs(TRASH, exist_ok=True)
    os.rename(path, tempfile.mkdtemp(dir=TRASH))  # onto an empty folder: rename replaces it


def copy_tree(src, dst):
    discard(dst)
    run(["cp", "-a", src, dst])
