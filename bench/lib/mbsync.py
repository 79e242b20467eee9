"""mbsync (isync), the reference for the ingest and its memory: the shared mailbox copied to
a local Maildir over IMAPS, fsync on."""
import os

from lib.common import die, discard, sync, timed


def mbsync_rc(srv, folder):
    e = srv.env
    rc = os.path.join(folder, "mbsyncrc")
    with open(rc, "w") as f:
        f.write(f"""# mbsync (isync): the shared mailbox copied to a local Maildir, fsync on.
FSync yes
IMAPAccount bench
Host localhost
Port {e['IMAPS_PORT']}
User safeguarding
PassCmd "cat {e['PASSWORD_FILE_safeguarding']}"
SSLType IMAPS
CertificateFile {e['CA_FILE']}

IMAPStore far
Account bench

MaildirStore near
Path {folder}/local/
Inbox {folder}/local/INBOX

Channel inbox
Far :far:
Near :near:
Patterns INBOX
Create Near
Sync Pull
Expunge None
SyncState {folder}/state/
""")
    return rc


def mbsync_once(srv, folder, snapshot, expect):
    srv.put_mailbox(snapshot)
    for sub in ("local", "state"):
        discard(os.path.join(folder, sub))
        os.makedirs(os.path.join(folder, sub))
    sync()
    wall, rss, _, cpu = timed(["mbsync", "-q", "-c", mbsync_rc(srv, folder), "-a"],
                         os.path.join(folder, "mbsync.log"))
    got = sum(len(files) for d, _, files in os.walk(os.path.join(folder, "local/INBOX"))
              if os.path.basename(d) in ("cur", "new"))
    if got != expect:
        die(f"mbsync copied {got} of {expect} messages")
    return wall, rss, cpu
