"""chaser as the benchmarks drive it: its folder and config, its commands, the state it is
seeded with, and the figures read back from its database.

State is made only through chaser: its own commands (`init`, `agency add`, `conference add`,
`list import`, `list send`, `poll`, `flush`) for the mailbox's 300 conferences and for the
one pattern conference of the timer load, and the seeding program bench/seed.c
($(BUILD)/bench-seed, linked with libchaser.a) for the load's clones, which it makes through
the store and the engine inside their transactions. Figures are read back with read-only
queries (SQLite `mode=ro`): counts and sizes a command does not print."""
import os
import re
import shutil
import sqlite3

from lib.common import (AUTH_NOW, HELD, NOW, QUIET_AT, ROOT, SEED_NOW, copy_tree, die, run,
                        sync, timed)
from lib.mail import AGENCIES, address, person


CONF_HEAD = """[chaser]
database = spool/chaser.db
key = spool/secret.key
spool = spool
rules = {root}/rules
templates = {root}/templates
holidays = {root}/rules/bank-holidays.txt
nation = england-and-wales
authserv_id = none
[mailbox]
address = safeguarding@example.test
name = Child Protection Conference Team
plus_addressing = true
[people]
admin = admin@example.test
cp_coordinator = admin+coordinator@example.test
lead_safeguarding_manager = admin+lead@example.test
cp_managers = admin+managers@example.test
"""


class Chaser:
    """One chaser folder: config, key, database, spool."""

    def __init__(self, binary, folder):
        self.bin = binary
        self.dir = folder
        self.db = os.path.join(folder, "spool/chaser.db")
        self.log = os.path.join(folder, "chaser.log")

    def write_conf(self, name, inbound, outbound, extra=""):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(CONF_HEAD.format(root=ROOT) + inbound + outbound + extra)
        return path

    def cmd(self, conf, now, *args):
        c = [self.bin, "-c", conf]
        if now:
            c += ["--now", now]
        return c + list(args)

    def __call__(self, conf, now, *args, check=True):
        p = run(self.cmd(conf, now, *args), check=check, cwd=self.dir)
        with open(self.log, "a") as f:
            f.write(p.stderr)
        return p


MAILDIR_IN = "[inbound]\ntype = maildir\nmaildir = spool/inbox\n"
SPOOL_OUT = "[outbound]\ntype = spool\ndir = spool/outgoing\n"


def imap_in(srv, idle=True):
    e = srv.env
    return ("[inbound]\ntype = imap\n[imap]\n"
            f"url = imaps://localhost:{e['IMAPS_PORT']}\nuser = safeguarding\n"
            f"password_file = {e['PASSWORD_FILE_safeguarding']}\nca_file = {e['CA_FILE']}\n"
            f"idle = {'true' if idle else 'false'}\npoll_interval = 60\ntimeout = 60\n")


def smtp_out(srv):
    return ("[outbound]\ntype = smtp\n[smtp]\n"
            f"url = smtp://127.0.0.1:{srv.env['SMTP_PORT']}\nrequire_tls = false\n"
            "helo = chaser.example.test\ntimeout = 60\n")


def read_rows(db, sql, args=()):
    """Every row of one query on a read-only connection."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def count_rows(db, sql):
    return read_rows(db, sql)[0][0]


def header(text, name):
    """A header of a mail, unfolded."""
    m = re.search(r"^" + re.escape(name) + r":(.*(?:\r?\n[ \t].*)*)", text, re.M | re.I)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else None


def outgoing(ch):
    """Every mail chaser wrote to its spool: kind, to, token, message-id, subject."""
    out = []
    d = os.path.join(ch.dir, "spool/outgoing")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            head, _, body = f.read().partition("\r\n\r\n")
        kind = name.split("-", 1)[1][:-4]
        rt = header(head, "Reply-To") or ""
        tok = re.search(r"\+([a-z0-9]+)@", rt)
        to = re.search(r"<([^>]+)>", header(head, "To") or "")
        out.append({
            "kind": kind,
            "to": to.group(1) if to else header(head, "To"),
            "token": tok.group(1) if tok else None,
            "msgid": header(head, "Message-Id").strip("<>"),
            "subject": header(head, "Subject"),
            "body": body.replace("\r\n", "\n"),
        })
    return out


def seed(binary, folder, conferences, rng, authorise=0.5):
    """Agencies, `conferences` conferences with five lines each, every list sent; a share of
    them authorised by their chair (two escalations each). Returns what was sent."""
    ch = Chaser(binary, folder)
    os.makedirs(folder, exist_ok=True)
    conf = ch.write_conf("chaser.conf", MAILDIR_IN, SPOOL_OUT)
    ch(conf, None, "init")
    staff = {}
    for name, domain in AGENCIES:
        slo = person(rng)
        ch(conf, SEED_NOW, "agency", "add", name, "--slo", address(slo, domain),
           "--slo-name", slo, "--domain", domain)
        staff[name] = [person(rng) for _ in range(25)]
    chairs = [person(rng) for _ in range(40)]
    pattern = [("absent", "none"), ("apologies", "none"), ("attended", "submitted"),
               ("attended", "submitted"), ("attended", "awaited")]
    refs = []
    for i in range(conferences):
        ref = f"CP-2026-{1000 + i:04d}"
        chair = chairs[i % len(chairs)]
        ch(conf, SEED_NOW, "conference", "add", ref, "--held", HELD,
           "--chair", address(chair, "chairs.example.org"), "--chair-name", f"Dr {chair}",
           "--social-worker", address(person(rng), "council.example"),
           "--type", "review" if i % 3 == 0 else "initial")
        rows = ["name,email,agency,attendance,report"]
        for (att, rep), (agency, domain) in zip(pattern, rng.sample(AGENCIES, 5)):
            who = rng.choice(staff[agency])
            rows.append(f"{who},{address(who, domain)},{agency},{att},{rep}")
        csv = os.path.join(folder, "list.csv")
        with open(csv, "w") as f:
            f.write("\n".join(rows) + "\n")
        ch(conf, SEED_NOW, "list", "import", ref, "list.csv")
        ch(conf, SEED_NOW, "list", "send", ref)
        refs.append(ref)
    ch(conf, SEED_NOW, "flush")
    lists = [m for m in outgoing(ch) if m["kind"] == "distribution_list"]
    inbox = os.path.join(folder, "spool/inbox/new")
    for n, m in enumerate(lists[: int(len(lists) * authorise)]):
        with open(os.path.join(inbox, f"seed{n}.eml"), "w") as f:
            f.write(f"From: {m['to']}\nTo: safeguarding+{m['token']}@example.test\n"
                    f"Subject: RE: {m['subject']}\nMessage-ID: <seed{n}@chairs.example.org>\n"
                    f"In-Reply-To: <{m['msgid']}>\nDate: Tue, 24 Nov 2026 09:05:00 +0000\n\n"
                    "AUTHORISED\nESCALATE 2 no_apologies, no_report: sent nothing at all\n"
                    "ESCALATE 4 report_quality: the report had no chronology\n\nThanks\n")
    ch(conf, AUTH_NOW, "poll")
    ch(conf, AUTH_NOW, "flush")
    sent = outgoing(ch)
    authorised = set(m["token"] for m in lists[: int(len(lists) * authorise)])
    return ch, conf, sent, authorised


def chaser_poll_once(binary, srv, seed_dir, folder, snapshot, expect, extra=""):
    """Restores the mailbox and the seeded state, then polls until the inbox is empty."""
    srv.put_mailbox(snapshot)
    copy_tree(seed_dir, folder)
    ch = Chaser(binary, folder)
    conf = ch.write_conf("imap.conf", imap_in(srv, idle=False), SPOOL_OUT, extra)
    sync()
    wall = rss = cpu = 0
    handled = 0
    for _ in range(5):  # a message left to retry waits for the next poll; there should be none
        # Exit 1 with "N left to retry": the next poll takes them up.
        w, r, out, c = timed(ch.cmd(conf, NOW, "poll"), ch.log, cwd=folder, ok_codes=(0, 1))
        cpu += c
        wall += w
        rss = max(rss, r)
        m = re.match(r"(\d+) messages: (\d+) handled, (\d+) quarantined", out)
        if not m:
            die(f"chaser poll said '{out.strip()}'")
        handled += int(m.group(2)) + int(m.group(3))
        if srv.inbox_count() == 0:
            break
    left = srv.inbox_count()
    if left or handled != expect:
        die(f"chaser poll handled {handled} of {expect}; {left} left in the inbox")
    return wall, rss, cpu, ch


# The pattern conference of the timer load: made by chaser's commands, cloned by bench-seed.
PATTERN = "CP-2026-0001"


def tick_template(binary, folder):
    """One conference made by chaser itself: five lines at example.test addresses (so that
    OpenSMTPD can deliver what outbound sends), the list authorised with two escalations and
    two reports awaited. Its rows are the pattern the load is cloned from."""
    ch = Chaser(binary, folder)
    os.makedirs(folder, exist_ok=True)
    conf = ch.write_conf("chaser.conf", MAILDIR_IN, SPOOL_OUT)
    ch(conf, None, "init")
    ags = ["Northshire Police", "Brookfield Primary School", "Northshire Health",
           "Hillcrest Housing", "Eastgate Surgery"]
    for n, a in enumerate(ags):
        ch(conf, SEED_NOW, "agency", "add", a, "--slo", f"slo{1 + n % 2}+agency{n}@example.test",
           "--slo-name", f"SLO of {a}")
    ch(conf, SEED_NOW, "conference", "add", PATTERN, "--held", HELD,
       "--chair", "chair@example.test", "--chair-name", "Dr Ffion Testwood",
       "--social-worker", "admin+sw@example.test")
    with open(os.path.join(folder, "list.csv"), "w") as f:
        f.write("name,email,agency,attendance,report\n"
                f"Sam Okafor,slo1+sam@example.test,{ags[0]},absent,none\n"
                f"Lena Marsh,slo2+lena@example.test,{ags[1]},apologies,none\n"
                f"Priya Nair,slo1+priya@example.test,{ags[2]},attended,submitted\n"
                f"Tom Rees,slo2+tom@example.test,{ags[3]},attended,submitted\n"
                f"Jo Lund,chair+jo@example.test,{ags[4]},attended,submitted\n")
    ch(conf, SEED_NOW, "list", "import", PATTERN, "list.csv")
    ch(conf, SEED_NOW, "list", "send", PATTERN)
    ch(conf, SEED_NOW, "flush")
    lst = [m for m in outgoing(ch) if m["kind"] == "distribution_list"][0]
    with open(os.path.join(folder, "spool/inbox/new/chair.eml"), "w") as f:
        f.write(f"From: chair@example.test\nTo: safeguarding+{lst['token']}@example.test\n"
                f"Subject: RE: {lst['subject']}\nMessage-ID: <t1@example.test>\n"
                f"In-Reply-To: <{lst['msgid']}>\nDate: Tue, 24 Nov 2026 09:05:00 +0000\n\n"
                "AUTHORISED\nESCALATE 2 no_apologies, no_report: sent nothing\n"
                "ESCALATE 4 report_quality: no chronology\n")
    ch(conf, AUTH_NOW, "poll")
    ch(conf, AUTH_NOW, "flush")
    for f in os.listdir(os.path.join(folder, "spool/outgoing")):
        os.unlink(os.path.join(folder, "spool/outgoing", f))
    return ch, conf


def seeder(binary):
    """bench-seed, built next to the chaser binary by `make bench`."""
    exe = os.path.join(os.path.dirname(binary), "bench-seed")
    if not os.access(exe, os.X_OK):
        die(f"no seeding program at {exe}: make {os.path.relpath(exe, ROOT)} first")
    return exe


def clone(ch, conf, prefix, copies, when):
    """`copies` conferences made like the pattern, through the store and the engine (see
    bench/seed.c), every open timer at `when`: a time, or "spread" over 2027."""
    if copies > 0:
        run([seeder(ch.bin), conf, "clone", PATTERN, prefix, str(copies), when], cwd=ch.dir)


def quiet_pattern(ch, conf):
    """The pattern conference itself waits until 2027, so only the clones are due."""
    run([seeder(ch.bin), conf, "retime", PATTERN, QUIET_AT], cwd=ch.dir)


def obligations(db_path, where="next_at IS NOT NULL"):
    return sum(count_rows(db_path, f"SELECT count(*) FROM {t} WHERE {where}")
               for t in ("conference", "escalation", "report"))


def save_db(ch, dst):
    """A copy of chaser's database as it is between two commands (with its WAL, should one
    be left)."""
    shutil.copyfile(ch.db, dst)
    if os.path.exists(ch.db + "-wal"):
        shutil.copyfile(ch.db + "-wal", dst + "-wal")
    elif os.path.exists(dst + "-wal"):
        os.unlink(dst + "-wal")


def restore_db(src, ch):
    for suffix in ("-wal", "-shm"):
        try:
            os.unlink(ch.db + suffix)
        except FileNotFoundError:
            pass
    shutil.copyfile(src, ch.db)
    if os.path.exists(src + "-wal"):
        shutil.copyfile(src + "-wal", ch.db + "-wal")


def drop_db(path):
    for suffix in ("", "-wal"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass
