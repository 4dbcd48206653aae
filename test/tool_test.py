#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shmring command run as a real process, its output checked.

    tool_test.py TOOL OPS_PEER CASE

CASE is one of the functions named case_* below. Every object a case makes
is named /shmring-t-tool-<pid>-..., removed at the end even on failure; every
command runs with a timeout, so a hang fails the case instead of wedging it.
Exit status 0 on success, 1 with the failed check on stderr.
"""
import json
import time
import os
import stat
import subprocess
import sys
import traceback

TOOL, PEER, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
PREFIX = "shmring-t-tool-%d-" % os.getpid()
SHM = "/dev/shm/"
made = []  # file names under /dev/shm to remove at the end
peers = []  # ops_peer processes holding rings


def name(tag):
    n = PREFIX + tag
    made.append(n)
    return n


def run(*args, code=0, stdin=None):
    """Run the tool; check its exit status (None: 0 or 1, never a signal or
    a usage error); return its stdout."""
    p = subprocess.run([TOOL] + list(args), input=stdin, capture_output=True, text=True,
                       timeout=30)
    if (p.returncode not in (0, 1)) if code is None else (p.returncode != code):
        raise AssertionError("shmring %s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(args), p.returncode, code, p.stdout, p.stderr))
    return p.stdout


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def ls_json(*globs):
    return {o["name"]: o for o in json.loads(run("ls", "--json", *globs))}


def stat_json(n):
    return json.loads(run("stat", "--json", n))


def hold(n, roles=""):
    """Start ops_peer attached to ring n as a participant with roles ("p",
    "c", "pc" or none); returns its pid."""
    p = subprocess.Popen([PEER, "hold", "/" + n] + ([roles] if roles else []),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    peers.append(p)
    line = p.stdout.readline()
    check(line == "ready\n", "ops_peer hold %s: %r" % (n, line))
    return p.pid


def release(pid):
    for p in peers:
        if p.pid == pid:
            p.stdin.close()
            p.wait(timeout=30)


def kill(pid):
    """SIGKILL a holder: its entry stays in the table, its death verifiable."""
    for p in peers:
        if p.pid == pid:
            p.kill()
            p.wait(timeout=30)


def pwrite(n, off, data):
    fd = os.open(SHM + n, os.O_RDWR)
    try:
        os.pwrite(fd, data, off)
    finally:
        os.close(fd)


def u32(v):
    return v.to_bytes(4, "little")


def u64(v):
    return v.to_bytes(8, "little")


# Offsets from include/shmring/ring_layout.h.
HDR_VERSION, HDR_KIND, HDR_SLOTS, HDR_READY = 8, 12, 24, 64
PROD_TAIL, CONS_HEAD = 128, 256


def case_help():
    out = run("--help")
    check("usage: shmring" in out and "Exit status" in out, "--help text")
    run(code=2)
    run("frobnicate", code=2)
    run("stat", code=2)
    run("stat", "a/b", code=2)
    run("stat", PREFIX + "missing", code=1)
    run("create", "--kind", "nope", "x", code=2)
    check(run("--version").startswith("shmring "), "--version")


def case_ls():
    a = name("empty")
    b = name("full-n1")
    c = name("mpmc")
    d = name("closed")
    e = name("held")
    run("create", a)
    run("create", "--rule", "n1", "--slots", "4", b)
    run("push", b, "1", "2", "3")
    run("create", "--kind", "mpmc", "--slots", "10", "--elem-size", "24", c)
    run("push", c, "x", "y")
    run("create", "--blocking", "--slots", "2", d)
    run("push", d, "last")
    subprocess.run([PEER, "close", "/" + d], check=True, timeout=30)
    run("create", "--kind", "mpmc", e)
    pid = hold(e, "pc")
    pid2 = hold(e, "p")

    j = ls_json(PREFIX + "*")
    check(sorted(j) == sorted("/" + x for x in (a, b, c, d, e)), "ls --json names: %s" % sorted(j))
    want = {
        a: dict(kind="spsc", rule="count", slots=1024, elem_size=8, count=0, free=1024,
                closed=False, stale=True),
        b: dict(kind="spsc", rule="n1", slots=4, elem_size=8, count=3, free=0, closed=False,
                stale=True),
        c: dict(kind="mpmc", rule="count", slots=10, elem_size=24, count=2, free=8,
                closed=False, stale=True),
        d: dict(kind="spsc", rule="count", slots=2, count=1, free=1, closed=True, stale=True,
                flags=1),
        e: dict(kind="mpmc", count=0, stale=False, producers=2, consumers=1,
                participants_alive=2, participants_dead=0, participants_used=2),
    }
    for n, fields in want.items():
        o = j["/" + n]
        check(o["status"] == "ok", "%s status %s" % (n, o["status"]))
        for k, v in fields.items():
            check(o[k] == v, "%s: %s is %r, expected %r" % (n, k, o[k], v))
        if n != e:
            check(o["producers"] == 0 and o["consumers"] == 0 and o["participants_used"] == 0,
                  "%s: no participants: %s" % (n, o))

    # The table: a header and one row per ring, with the same facts.
    lines = run("ls", PREFIX + "*").splitlines()
    check(lines[0].split()[:5] == ["NAME", "KIND", "RULE", "SLOTS", "ELEM"], "ls header")
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    check(rows["/" + b][1:8] == ["spsc", "n1", "4", "8", "3", "0", "no"], "row %s" % rows["/" + b])
    check(rows["/" + d][7] == "yes", "closed column: %s" % rows["/" + d])
    check(rows["/" + e][8:12] == ["2", "1", "0", "no"], "prod/cons/dead/stale: %s" % rows["/" + e])
    check(rows["/" + a][8:12] == ["0", "0", "0", "yes"], "prod/cons/dead/stale: %s" % rows["/" + a])
    # Without patterns every ring is listed, ours among them.
    check("/" + a in ls_json(), "ls without patterns")

    s = stat_json(e)
    check(not s["stale"], "stat of a held ring")
    parts = sorted((q["pid"], q["roles"], q["state"], q["alive"]) for q in s["participants"])
    check(parts == sorted([(pid, "producer+consumer", "alive", True),
                           (pid2, "producer", "alive", True)]), "participants %s" % parts)
    check(all(q["start_time"] > 0 and q["uid"] == os.geteuid() for q in s["participants"]),
          "identity recorded: %s" % s["participants"])
    text = run("stat", e)
    check("2 in use: 2 live producers, 1 live consumer, 0 verified dead; stale: no" in text,
          "stat text: participants\n" + text)
    for q in (pid, pid2):
        check(any(l.split()[1:4] == [r, str(q), "alive"] for l in text.splitlines()
                  for r in ("producer", "producer+consumer") if len(l.split()) >= 4),
              "stat text lists %d\n%s" % (q, text))
    release(pid)
    release(pid2)
    j = ls_json(e)["/" + e]
    check(j["stale"] and j["participants_used"] == 0, "stale once released: %s" % j)


def case_hostile():
    junk = name("junk")
    short = name("short")
    empty = name("empty")
    fifo = name("fifo")
    dirn = name("dir")
    link = name("link")
    with open(SHM + junk, "wb") as f:
        f.write(b"\xff" * 4096)
    with open(SHM + short, "wb") as f:
        f.write(b"SHMRING\0")
    open(SHM + empty, "wb").close()
    os.mkfifo(SHM + fifo)
    os.mkdir(SHM + dirn)
    os.symlink(SHM + junk, SHM + link)

    bad = {}  # name -> note the table must show
    for tag, off, data, note in [
        ("kind-msg", HDR_KIND, u32(3), None),
        ("kind-bcast", HDR_KIND, u32(5), None),
        ("kind-99", HDR_KIND, u32(99), "unknown kind"),
        ("slots", HDR_SLOTS, u64(1 << 62), "header inconsistent"),
        ("version", HDR_VERSION, u32(7), "other layout version"),
        ("ready", HDR_READY, u32(0xdead), "ready word corrupt"),
    ]:
        n = name(tag)
        run("create", n)
        pwrite(n, off, data)
        bad[n] = note
    trunc = name("truncated")
    run("create", "--slots", "4096", trunc)
    os.truncate(SHM + trunc, 2048)
    bad[trunc] = "size differs from header (truncated?)"
    corrupt = name("corrupt-idx")
    run("create", "--slots", "8", corrupt)
    pwrite(corrupt, PROD_TAIL, u64(1000))

    out = run("ls", PREFIX + "*")
    rows = {l.split()[0]: l for l in out.splitlines()[1:]}
    for n in (junk, short, empty, fifo, dirn, link):
        check("/" + n not in rows, "%s must be skipped quietly:\n%s" % (n, out))
    for n, note in bad.items():
        check("/" + n in rows, "%s must be listed:\n%s" % (n, out))
        if note:
            check(rows["/" + n].rstrip().endswith(note), "%s note: %s" % (n, rows["/" + n]))
    check(" corrupt " in rows["/" + corrupt], "corrupt count: %s" % rows["/" + corrupt])
    check(rows["/" + PREFIX + "kind-msg"].split()[1] == "msg", "kind shown by name")

    j = ls_json(PREFIX + "*")
    check(j["/" + corrupt]["count"] is None and j["/" + corrupt]["corrupt"], "json corrupt")
    check(j["/" + PREFIX + "kind-99"]["kind"] is None and j["/" + PREFIX + "kind-99"]["kind_id"] == 99,
          "json unknown kind")
    for n, note in bad.items():
        # A header of another kind on a fixed-slot geometry: refused, or
        # (where the library has that kind) read as such; never a crash.
        code = 1 if note else None
        if note:
            check(j["/" + n]["error"] < 0, "%s json error" % n)
        run("stat", n, code=code)
        run("watch", "-n", "1", "-i", "0.01", n, code=code)
    run("stat", corrupt)  # a readable ring with bad indices: reported, exit 0
    allj = {o["name"]: o for o in json.loads(run("ls", "--all", "--json", PREFIX + "*"))}
    for n in (junk, short, fifo, dirn):
        check("/" + n in allj and allj["/" + n]["error"] < 0, "--all lists %s" % n)
    for n in (junk, short, empty, fifo, dirn):
        run("stat", n, code=1)
        run("rm", n, code=1)  # never removes what is not a ring
        check(os.path.lexists(SHM + n), "%s must survive rm" % n)
    run("cat", junk, code=1)
    run("push", junk, "x", code=1)


def case_rm():
    live = name("live")
    stale1 = name("stale1")
    stale2 = name("stale2")
    for n in (live, stale1, stale2):
        run("create", n)
    pid = hold(live, "c")
    run("rm", live, code=3)
    check(os.path.exists(SHM + live), "rm must refuse a ring in use")
    out = run("rm", "--stale", "--dry-run", PREFIX + "*")
    check(sorted(out.splitlines()) == sorted("would remove /" + n for n in (stale1, stale2)),
          "dry run: %r" % out)
    check(os.path.exists(SHM + stale1), "--dry-run removes nothing")
    out = run("rm", "--stale", PREFIX + "stale*")
    check(sorted(out.splitlines()) == sorted("removed /" + n for n in (stale1, stale2)),
          "rm --stale: %r" % out)
    check(not os.path.exists(SHM + stale1) and os.path.exists(SHM + live), "rm --stale effect")
    run("rm", "--stale", PREFIX + "*")
    check(os.path.exists(SHM + live), "rm --stale keeps a ring in use")
    run("rm", "--force", live)
    check(not os.path.exists(SHM + live), "rm --force")
    release(pid)
    run("rm", live, code=1)  # gone


def case_counters():
    # Each command below is a separate process attaching by name.
    for kind, rule, slots in (("spsc", "count", 4), ("spsc", "n1", 4), ("mpmc", "count", 4)):
        n = name("cnt-%s-%s" % (kind, rule))
        run("create", "--kind", kind, "--rule", rule, "--slots", str(slots), n)
        cap = slots - 1 if rule == "n1" else slots
        pushed = popped = full = empty = 0
        for rnd in range(5):  # 5 rounds: the n-1 index wraps several times
            vals = ["v%d-%d" % (rnd, i) for i in range(cap + 2)]
            run("push", n, *vals, code=4)  # two more than fit: exit 4 at the first
            pushed += cap
            full += 1
            out = run("cat", n)  # drains, then one empty pop
            check(out.splitlines() == vals[:cap], "%s: cat %r" % (n, out))
            popped += cap
            empty += 1
            run("cat", "-n", "1", n, code=4)  # one more empty pop
            empty += 1
        s = stat_json(n)
        p, c = s["producer_stats"], s["consumer_stats"]
        check((p["ops"], p["again"], c["ops"], c["again"]) == (pushed, full, popped, empty),
              "%s: producer %s consumer %s, expected %s" % (n, p, c, (pushed, full, popped, empty)))
        check(s["count"] == 0 and not s["moving"], "%s: %s" % (n, s))
        check(all(p[k] == 0 and c[k] == 0 for k in ("waits", "wakes", "closed", "corrupt")),
              "%s: other counters %s %s" % (n, p, c))
    # Message ring: 8 records of 32 bytes fill 256; ops count record bytes.
    n = name("cnt-msg")
    run("create", "--kind", "msg", "--slots", "256", "--elem-size", "16", n)
    for rnd in range(3):
        run("push", n, *["m%d" % i for i in range(10)], code=4)
        check(len(run("cat", n).splitlines()) == 8, "msg round %d" % rnd)
        run("cat", "-n", "1", n, code=4)
    s = stat_json(n)
    p, c = s["producer_stats"], s["consumer_stats"]
    check((p["ops"], p["again"], c["ops"], c["again"]) == (3 * 256, 3, 3 * 256, 6),
          "msg counters %s %s" % (p, c))
    # Byte stream: bytes are the elements.
    n = name("cnt-bytes")
    run("create", "--kind", "bytes", "--slots", "64", n)
    for rnd in range(3):
        run("push", n, "z" * 70, code=4)  # 64 fit, then full
        check(run("cat", n) == "z" * 64, "bytes round %d" % rnd)  # drain + one empty read
    s = stat_json(n)
    p, c = s["producer_stats"], s["consumer_stats"]
    check((p["ops"], p["again"], c["ops"], c["again"]) == (3 * 64, 3, 3 * 64, 3),
          "bytes counters %s %s" % (p, c))
    # Text and hex values round-trip.
    h = name("hex")
    run("create", "--elem-size", "4", h)
    run("push", "--hex", h, "01020304", "ff")
    check(run("cat", "--hex", h).splitlines() == ["01020304", "ff000000"], "hex round trip")
    run("push", h, "abcd")
    check(run("cat", "--text", h) == "abcd\n", "text")
    run("push", h, "abcde", code=1)  # longer than the element


def case_kinds():
    """Message rings (one and many producers) and byte streams: create, ls,
    stat, push and cat (text and hex), full, closed."""
    m = name("msg")
    mp = name("msg-mp")
    b = name("bytes")
    run("create", "--kind", "msg", "--slots", "256", "--elem-size", "16", m)
    run("create", "--kind", "msg", "--many-producers", "--slots", "4096", "--elem-size", "100", mp)
    run("create", "--kind", "bytes", "--slots", "64", b)
    run("create", "--kind", "bytes", "--elem-size", "2", PREFIX + "bad", code=1)
    # Records of a message of 1..16 bytes take 32 bytes: 8 fit in 256.
    run("push", m, *["m%d" % i for i in range(10)], code=4)
    run("push", mp, "hello", "", "x" * 100)
    run("push", mp, "x" * 101, code=1)  # longer than the largest message
    run("push", b, "0123456789", "abcdef")
    j = ls_json(PREFIX + "*")
    check(j["/" + m]["kind"] == "msg" and j["/" + m]["max_message"] == 16, "msg: %s" % j["/" + m])
    check((j["/" + m]["count"], j["/" + m]["free"]) == (256, 0), "msg full, in bytes")
    check(j["/" + mp]["flags"] & 0x8, "many producers flag")
    check(j["/" + mp]["count"] == 32 + 16 + 128, "msg-mp bytes: %s" % j["/" + mp])
    check((j["/" + b]["kind"], j["/" + b]["count"], j["/" + b]["free"]) == ("bytes", 16, 48),
          "bytes: %s" % j["/" + b])
    rows = {l.split()[0]: l.split() for l in run("ls", PREFIX + "*").splitlines()[1:]}
    check(rows["/" + b][1:7] == ["bytes", "count", "64", "1", "16", "48"], "row %s" % rows["/" + b])
    check(rows["/" + mp][1:4] == ["msg", "count", "4096"], "row %s" % rows["/" + mp])
    text = run("stat", mp)
    check("largest message 100 bytes" in text and "176 bytes stored" in text, "stat msg\n" + text)

    check(run("cat", "-n", "3", m).splitlines() == ["m0", "m1", "m2"], "msg cat -n")
    check(run("cat", "--hex", m).splitlines() == ["6d%02x" % (0x30 + i) for i in range(3, 8)],
          "msg cat --hex")
    check(run("cat", mp).splitlines() == ["hello", "", "x" * 100], "msg-mp cat")
    run("push", "--hex", mp, "00ff5c41")
    check(run("cat", "--text", mp) == "\\x00\\xff\\x5cA\n", "escaped text")
    check(run("cat", "-n", "4", b) == "0123", "bytes cat -n counts bytes")
    check(run("cat", b) == "456789abcdef", "bytes cat: raw")
    run("push", "--hex", b, "000102ff")
    check(run("cat", "--hex", b) == "000102ff\n", "bytes hex")
    run("push", b, stdin="line one\nline two\n")
    check(run("cat", b) == "line one\nline two\n", "stdin to a stream keeps newlines")
    run("push", b, "y" * 100, code=4)  # 64 fit
    check(run("cat", b) == "y" * 64, "a stream takes what fits")
    # Closed: the producer side closes; cat drains, then the end.
    run("push", mp, "last")
    subprocess.run([PEER, "close", "/" + mp], check=True, timeout=30)
    check(ls_json(mp)["/" + mp]["closed"], "msg closed")
    check(run("cat", "--follow", mp) == "last\n", "follow ends at the end of the stream")
    run("push", mp, "more", code=1)
    subprocess.run([PEER, "close", "/" + b], check=True, timeout=30)
    check(run("cat", "--follow", b) == "", "closed stream")
    # A blocking message ring: cat --timeout sleeps in the library and
    # returns once a message comes (pushed by another process).
    bl = name("msg-block")
    run("create", "--kind", "msg", "--blocking", "--slots", "1024", "--elem-size", "64", bl)
    c = subprocess.Popen([TOOL, "cat", "-n", "1", "--timeout", "60", bl], stdout=subprocess.PIPE,
                         text=True)
    run("push", "--timeout", "60", bl, "woken")
    out, _ = c.communicate(timeout=60)
    check(c.returncode == 0 and out == "woken\n", "blocking cat: %r" % out)
    run("cat", "-n", "1", "--timeout", "0.05", bl, code=4)


def case_bcast():
    """Broadcast rings: create (back-pressure and lossy), two cat processes
    that joined each get every element pushed after, push is the one
    producer, stat names the broadcast counters."""
    for lossy in (False, True):
        r = name("bcast-lossy" if lossy else "bcast")
        run("create", "--kind", "bcast", "--blocking", "--slots", "16", "--elem-size", "16",
            *(["--lossy"] if lossy else []), r)
        j = ls_json(r)["/" + r]
        check(j["kind"] == "bcast" and bool(j["flags"] & 0x4) == lossy, "ls bcast: %s" % j)
        cats = [subprocess.Popen([TOOL, "cat", "-n", "3", "--timeout", "60", r],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        for _ in range(3000):  # until both joined (30 s at most)
            if ls_json(r)["/" + r]["consumers"] == 2:
                break
            time.sleep(0.01)
        check(ls_json(r)["/" + r]["consumers"] == 2, "two cat consumers joined")
        run("push", "--timeout", "60", r, "tick1", "tick2", "tick3")
        for c in cats:
            out, err = c.communicate(timeout=60)
            check(c.returncode == 0 and out.splitlines() == ["tick1", "tick2", "tick3"],
                  "bcast cat: %r %r" % (out, err))
        text = run("stat", r)
        check("delivered, all consumers" in text, "stat names the bcast counters\n" + text)
        # The producer role is exclusive: a second push while one holds it.
        holder = subprocess.Popen([TOOL, "push", "--timeout", "60", r], stdin=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        for _ in range(3000):
            if ls_json(r)["/" + r]["producers"] == 1:
                break
            time.sleep(0.01)
        check(ls_json(r)["/" + r]["producers"] == 1, "push holds the producer role")
        err = subprocess.run([TOOL, "push", r, "x"], capture_output=True, text=True, timeout=30)
        check(err.returncode == 1 and "held by a live participant" in err.stderr,
              "second producer refused: %r" % err.stderr)
        holder.stdin.close()
        holder.wait(timeout=30)


def case_bmsg():
    """Broadcast message rings: create --kind bcast-msg (back-pressure and
    lossy), two cat processes that joined each get every message pushed
    after, of its own length (empty and the largest included), a value
    longer than the largest message is refused, stat counts messages."""
    for lossy in (False, True):
        r = name("bmsg-lossy" if lossy else "bmsg")
        run("create", "--kind", "bcast-msg", "--blocking", "--slots", "1024", "--elem-size", "20",
            *(["--lossy"] if lossy else []), r)
        j = ls_json(r)["/" + r]
        check(j["kind"] == "bcast" and bool(j["flags"] & 0x100) and bool(j["flags"] & 0x4) == lossy,
              "ls bcast-msg: %s" % j)
        cats = [subprocess.Popen([TOOL, "cat", "-n", "3", "--timeout", "60", r],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        for _ in range(3000):  # until both joined (30 s at most)
            if ls_json(r)["/" + r]["consumers"] == 2:
                break
            time.sleep(0.01)
        check(ls_json(r)["/" + r]["consumers"] == 2, "two cat consumers joined")
        run("push", "--timeout", "60", r, "a tick", "", "x" * 20)
        for c in cats:
            out, err = c.communicate(timeout=60)
            check(c.returncode == 0 and out.splitlines() == ["a tick", "", "x" * 20],
                  "bcast-msg cat: %r %r" % (out, err))
        err = subprocess.run([TOOL, "push", r, "y" * 21], capture_output=True, text=True,
                             timeout=30)
        check(err.returncode == 1 and "largest message" in err.stderr,
              "too long refused: %r" % err.stderr)
        text = run("stat", r)
        check("messages, " + ("lossy" if lossy else "back-pressure") in text,
              "stat names the variant\n" + text)
        s = stat_json(r)
        check(s["producer_stats"]["ops"] == 3 and s["consumer_stats"]["ops"] == 6,
              "messages counted: %s %s" % (s["producer_stats"], s["consumer_stats"]))


def case_stale():
    """Stale is judged from the participant table (verified death), not from
    who maps the object."""
    n = name("stale")
    live = name("live")
    run("create", n)
    run("create", "--kind", "msg", "--slots", "1024", live)
    pid = hold(n, "p")
    cpid = hold(n, "c")
    lpid = hold(live, "c")
    j = ls_json(PREFIX + "*")
    check(not j["/" + n]["stale"] and j["/" + n]["producers"] == 1 and j["/" + n]["consumers"] == 1,
          "held: %s" % j["/" + n])
    kill(pid)
    j = ls_json(n)["/" + n]
    check((j["producers"], j["consumers"], j["participants_dead"], j["stale"]) == (0, 1, 1, False),
          "one dead, one alive: %s" % j)
    s = stat_json(n)
    states = {q["pid"]: (q["roles"], q["state"], q["alive"]) for q in s["participants"]}
    check(states == {pid: ("producer", "dead", False), cpid: ("consumer", "alive", True)},
          "participants after a kill: %s" % states)
    run("rm", n, code=3)
    run("rm", "--stale", PREFIX + "*")
    check(os.path.exists(SHM + n), "a live consumer keeps it")
    kill(cpid)
    j = ls_json(n)["/" + n]
    check((j["participants_dead"], j["participants_alive"], j["stale"]) == (2, 0, True),
          "both dead: %s" % j)
    row = [l.split() for l in run("ls", n).splitlines()[1:]][0]
    check(row[8:12] == ["0", "0", "2", "yes"], "row %s" % row)
    text = run("stat", n)
    check("verified dead; stale: yes" in text and text.count(" dead ") >= 2, "stat\n" + text)
    out = run("rm", "--stale", PREFIX + "*")
    check(out.splitlines() == ["removed /" + n], "rm --stale: %r" % out)
    check(os.path.exists(SHM + live), "the other ring stays (live consumer)")
    run("rm", live, code=3)
    # Looking never changed the table: the dead entries were not reclaimed
    # by the tool (the object is gone now, so check the live ring's table).
    check(ls_json(live)["/" + live]["participants_used"] == 1, "table untouched")
    release(lpid)


def case_watch():
    n = name("watch")
    run("create", "--slots", "16", n)
    run("push", n, "a", "b", "c")
    out = run("watch", "--count", "3", "--interval", "0.05", n)
    lines = out.splitlines()
    check(len(lines) == 4, "header and 3 rows: %r" % out)
    check(lines[0].split() == ["push/s", "pop/s", "full/s", "empty/s", "waits/s", "wakes/s",
                               "repair/s", "count", "free"], "watch header %r" % lines[0])
    for l in lines[1:]:
        f = l.split()
        check(f == ["0", "0", "0", "0", "0", "0", "0", "3", "13"], "quiet ring row %r" % l)
    check("\r" not in out and "\033" not in out, "plain lines when not a terminal")

    # Rates move: values pushed after the first row was printed show in a
    # later row (no timing asserted: rows are read until one shows them).
    w = subprocess.Popen([TOOL, "watch", "-i", "0.05", n], stdout=subprocess.PIPE, text=True)
    try:
        check(w.stdout.readline().split()[0] == "push/s", "header first")
        w.stdout.readline()
        run("push", n, "d", "e")
        run("cat", "-n", "1", n)
        seen = set()
        for _ in range(400):
            f = w.stdout.readline().split()
            if float(f[0]) > 0:
                seen.add("push")
            if float(f[1]) > 0:
                seen.add("pop")
            if seen == {"push", "pop"}:
                break
        check(seen == {"push", "pop"}, "rates never moved: %s" % seen)
    finally:
        w.kill()
        w.wait()

    # On a terminal: one header, then the row redrawn in place (carriage
    # return and erase-line), a newline at the end.
    import pty
    mfd, sfd = pty.openpty()
    p = subprocess.Popen([TOOL, "watch", "-n", "3", "-i", "0.02", n], stdout=sfd, stderr=sfd)
    os.close(sfd)
    buf = b""
    while True:
        try:
            chunk = os.read(mfd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    os.close(mfd)
    check(p.wait(timeout=30) == 0, "watch on a tty: exit %s" % p.returncode)
    text = buf.decode()
    check(text.count("push/s") == 1, "one header on a tty: %r" % text)
    check(text.count("\r\033[K") == 3, "three in-place redraws: %r" % text)
    check(text.replace("\r\n", "\n").count("\n") == 2, "header line and final newline: %r" % text)
    run("watch", "--lines", "-n", "1", "-i", "0.01", n)
    # Replaced under the watcher: reported, exit 1.
    run("watch", "-n", "1", "-i", "0.01", PREFIX + "nope", code=1)


def main():
    fn = globals().get("case_" + CASE)
    if fn is None:
        print("unknown case %s" % CASE, file=sys.stderr)
        return 2
    try:
        fn()
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        for p in peers:
            if p.poll() is None:
                p.kill()
                p.wait()
        for n in made:
            path = SHM + n
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                os.rmdir(path)
            else:
                os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
