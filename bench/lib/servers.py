"""The real servers, through tests/servers/start and stop (the same scripts the tests use),
and what the benchmarks do to their mail: the shared mailbox put back from a snapshot,
emptied, counted; OpenSMTPD's queue drained."""
import os
import shutil
import time

from lib.common import ROOT, chown_tree, die, discard, run


class Servers:
    """tests/servers: Dovecot (IMAP, LMTP) and OpenSMTPD on loopback, all state in one folder."""

    def __init__(self, folder):
        self.dir = folder
        run([os.path.join(ROOT, "tests/servers/start"), folder])
        self.env = {}
        with open(os.path.join(folder, "env")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                self.env[k] = v.strip('"')
        self.mail = self.env["MAIL_DIR"]
        self.inbox = os.path.join(self.mail, "safeguarding")

    def stop(self):
        run([os.path.join(ROOT, "tests/servers/stop"), self.dir], check=False)

    def resync(self):
        run(["doveadm", "-c", self.env["DOVECOT_CONF"], "force-resync", "-u", "safeguarding",
             "INBOX"])

    def put_mailbox(self, source):
        """The shared mailbox becomes a copy of `source` (a Maildir with Dovecot's files)."""
        discard(self.inbox)
        run(["cp", "-a", source, self.inbox])

    def empty_mailbox(self):
        discard(self.inbox)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.inbox, sub))
        chown_tree(self.inbox)
        self.resync()

    def inbox_count(self):
        return sum(len(os.listdir(os.path.join(self.inbox, s))) for s in ("cur", "new"))

    def queue_envelopes(self):
        q = os.path.join(self.dir, "smtpd/spool/smtpd/queue")
        return sum(len(files) for _, _, files in os.walk(q))

    def drain(self, limit=300):
        """Waits until OpenSMTPD has handed everything to Dovecot (its queue is empty)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if self.queue_envelopes() == 0:
                return time.monotonic() - t0
            time.sleep(0.2)
        die("OpenSMTPD's queue did not drain")

    def clear_people(self):
        """The mail delivered to the other users (what outbound sent) goes, run to run."""
        for u in self.env["USERS"].split():
            if u != "safeguarding":
                shutil.rmtree(os.path.join(self.mail, u), ignore_errors=True)
