#!/usr/bin/python3
"""A munin-node impersonator for drover's integration tests (stdlib only).

    fake_node.py SPEC.json STATE_DIR

SPEC is a list of nodes: {"name", "addr", "port" (0 = any), "physical",
"mode", "plugins", "fields", "big_fields", "delay_ms"}.  Modes:
  normal    a well-behaved node: N plugins of F fields (+ one "big" plugin)
  hang      accepts, never says a word (reads until the client closes)
  garbage   sends binary noise instead of a banner
  garbage_mid  sane until "fetch", then binary noise
  halfclose sane until the first "fetch", then closes mid-answer
  slow      answers one byte every delay_ms
  endless   answers "fetch" with one line that never ends
  proxy     relays every byte both ways to a real node at
            127.0.0.1:"backend" (a port): its sessions in the session log
"dirty": true adds a plugin whose config carries its values (dirtyconfig).
"bank": {"name": "bank_test", "voltages": [12.6, 12.55, ...]} adds a
battery bank by the bank schema (graph_category power, a "voltage" field
warning below 12.0, critical below 11.5): each fetch answers the next
voltage of the list, the last one again once the list is used up; the
count answered so far is "bank_fetches" in stats.json (--live).
Each command answer waits delay_ms first (munin-node forks a plugin per
command: 45-75 ms on a real one).
"bank_values": {field: value} adds "bank_test", a battery bank of the
bank schema (graph_category power; fields voltage, soc, current, trend,
cutoff_minutes with the default thresholds) answering those fields; a
value null is sent as "U".  With "bank_file": PATH the values are read
from that JSON file at each fetch (the test replaces it by a rename).

"vm_guests_file": PATH adds "vm", a hypervisor's multigraph plugin as
drover's vm probe serves it (plugins/host_vm.h): services vm_cpu,
vm_memory, vm_disk, vm_net and vm_state with a field per guest (its name
through clean_fieldname, labelled with the name).  PATH is a JSON object
{guest name: 1 running | 0 stopped}, read at every config and fetch, so
a test moves guests by replacing it (write and rename).
"session_log": PATH appends "start NAME EPOCH" when a connection opens
and "end NAME EPOCH" when it ends (EPOCH with microseconds; one line per
write, O_APPEND, so nodes may share a log).

STATE_DIR/ports.json is written once every node listens: {name: port}.
On SIGTERM, STATE_DIR/stats.json records per node the connection start
times and per physical host the largest number of simultaneous
connections seen.

    fake_node.py SPEC.json STATE_DIR --live

also rewrites stats.json (atomically) whenever a connection opens or
ends, so a test can wait for counts while drover runs, and adds to it:
"peak_all", the most simultaneous connections over all nodes together,
"done", per node the connections that ended, "config_at", per node the
poll (1-based connection number) of each config command, and "hang_now"
and "peak_hang", the connections open now and the most at once over the
hang nodes together.
"""
import asyncio, json, os, re, signal, sys, time

spec = json.load(open(sys.argv[1]))
state_dir = sys.argv[2]
live = "--live" in sys.argv[3:]
active = {}        # physical -> open connections now
peak = {}          # physical -> max simultaneous
conns = {}         # node name -> [epoch start times]
fetches = {}       # node name -> fetch commands answered
configs = {}       # node name -> config commands answered
by_plugin = {}     # node name -> {plugin: fetches}


def plugin_names(n):
    names = ["p%02d" % i for i in range(n.get("plugins", 3))]
    if "bank_values" in n:
        names.append("bank_test")
    if n.get("big_fields"):
        names.append("big")
    if n.get("dirty"):
        names.append("dirty")
    if n.get("bank"):
        names.append(n["bank"]["name"])
    if n.get("vm_guests_file"):
        names.append("vm")
    return names


def clean_fieldname(name):
    """Munin::Plugin's clean_fieldname, as drover's vm probe uses it."""
    name = re.sub(r"^[^A-Za-z_]+", "_", name)
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def vm_guests(n):
    try:
        return json.load(open(n["vm_guests_file"]))
    except (OSError, ValueError):
        return {}


VM_GRAPHS = [  # service, title, vlabel, suffixes
    ("vm_cpu", "Virtual machine CPU time", "%", [""]),
    ("vm_memory", "Virtual machine memory", "bytes", [""]),
    ("vm_disk", "Virtual machine disk I/O", "bytes per ${graph_period}",
     ["_read", "_write"]),
    ("vm_net", "Virtual machine network traffic", "bytes per ${graph_period}",
     ["_rx", "_tx"]),
    ("vm_state", "Virtual machine state", "running", [""]),
]


def vm_config(n):
    lines = []
    guests = vm_guests(n)
    for svc, title, vlabel, suffixes in VM_GRAPHS:
        lines += ["multigraph " + svc, "graph_title " + title,
                  "graph_vlabel " + vlabel, "graph_category virtualization"]
        for g in guests:
            for suf in suffixes:
                f = clean_fieldname(g) + suf
                lines += ["%s.label %s" % (f, g), "%s.min 0" % f,
                          "%s.type %s" % (f, "GAUGE" if svc in
                                          ("vm_memory", "vm_state")
                                          else "DERIVE")]
    return lines


def vm_fetch(n):
    lines, t = [], int(time.time())
    guests = vm_guests(n)
    for svc, _, _, suffixes in VM_GRAPHS:
        lines.append("multigraph " + svc)
        for i, (g, st) in enumerate(guests.items()):
            for k, suf in enumerate(suffixes):
                f = clean_fieldname(g) + suf
                if svc == "vm_state":
                    v = 1 if st else 0
                elif not st:
                    v = "U"
                elif svc == "vm_memory":
                    v = (i + 1) << 28
                else:
                    v = t * (i + 1) * (k + 1)
                lines.append("%s.value %s" % (f, v))
    return lines


bank_at = {}       # node name -> voltages answered


def config_text(n, plugin):
    if plugin == "vm" and n.get("vm_guests_file"):
        return vm_config(n)
    if n.get("bank") and plugin == n["bank"]["name"]:
        return ["graph_title Battery bank %s" % plugin,
                "graph_category power", "graph_vlabel V",
                "voltage.label bank voltage", "voltage.warning 12.0:",
                "voltage.critical 11.5:"]
    if plugin == "dirty":
        # dirtyconfig: the values ride along with the config
        return ["graph_title Dirty", "d.label d", "d.value 7"]
    if plugin == "bank_test" and "bank_values" in n:
        lines = ["graph_title Test bank", "graph_category power",
                 "graph_vlabel volts / amperes / %", "graph_args --base 1000"]
        for name, label, warn, crit in BANK_FIELDS:
            lines.append("%s.label %s" % (name, label))
            if warn:
                lines.append("%s.warning %s" % (name, warn))
            if crit:
                lines.append("%s.critical %s" % (name, crit))
        return lines
    if plugin == "big":
        lines = ["graph_title Big plugin", "graph_category disk",
                 "graph_vlabel things"]
        for i in range(n["big_fields"]):
            lines += ["lv%02d.label volume %d" % (i, i), "lv%02d.type DERIVE" % i,
                      "lv%02d.min 0" % i]
        return lines
    lines = ["graph_title Plugin %s" % plugin, "graph_category test",
             "graph_vlabel units"]
    for i in range(n.get("fields", 2)):
        lines += ["f%d.label field %d" % (i, i)]
    return lines


def fetch_text(n, plugin):
    if plugin == "vm" and n.get("vm_guests_file"):
        return vm_fetch(n)
    if n.get("bank") and plugin == n["bank"]["name"]:
        vs = n["bank"]["voltages"]
        i = bank_at.get(n["name"], 0)
        bank_at[n["name"]] = i + 1
        if live:
            dump_stats()
        return ["voltage.value %.3f" % vs[min(i, len(vs) - 1)]]
    if plugin == "dirty":
        return ["d.value 8"]
    if plugin == "bank_test" and "bank_values" in n:
        vals = bank_values(n)
        return ["%s.value %s" % (f[0], "U" if vals[f[0]] is None else vals[f[0]])
                for f in BANK_FIELDS if f[0] in vals]
    if plugin == "big":
        t = int(time.time())
        return ["lv%02d.value %d" % (i, t * (i + 1)) for i in range(n["big_fields"])]
    return ["f%d.value %d.5" % (i, i) for i in range(n.get("fields", 2))]


BANK_FIELDS = [  # bank_test: name, label, warning, critical
    ("voltage", "bank voltage", "12.0:", "11.5:"),
    ("soc", "state of charge", "30:", "15:"),
    ("current", "net current", None, None),
    ("trend", "trend", None, None),
    ("cutoff_minutes", "time to cut-off (min)", "180:", "60:"),
]


def bank_values(n):
    vals = dict(n["bank_values"])
    if n.get("bank_file"):
        try:
            vals.update(json.load(open(n["bank_file"])))
        except (OSError, ValueError):
            pass
    return vals


async def send(w, n, text):
    if n["mode"] == "slow":
        for ch in text.encode():
            w.write(bytes([ch]))
            await w.drain()
            await asyncio.sleep(n.get("delay_ms", 10) / 1000)
    else:
        w.write(text.encode())
        await w.drain()


# --live: counts over all nodes, written while running
live_active = 0    # open connections now, all nodes
live_peak = 0      # max simultaneous, all nodes
live_done = {}     # node name -> connections ended
live_config_at = {}  # node name -> [connection number of each config]
live_hang = 0      # open connections now, hang nodes
live_hang_peak = 0  # max simultaneous, hang nodes


def live_open(n):
    global live_active, live_peak, live_hang, live_hang_peak
    live_active += 1
    live_peak = max(live_peak, live_active)
    if n["mode"] == "hang":
        live_hang += 1
        live_hang_peak = max(live_hang_peak, live_hang)


def live_config(n):
    live_config_at.setdefault(n["name"], []).append(len(conns[n["name"]]))


def live_close(n):
    global live_active, live_hang
    live_active -= 1
    if n["mode"] == "hang":
        live_hang -= 1
    live_done[n["name"]] = live_done.get(n["name"], 0) + 1
    if live:
        dump_stats()


def dump_stats():
    st = {"peak": peak, "connections": conns, "fetches": fetches,
          "configs": configs, "fetches_by_plugin": by_plugin}
    if live:
        st.update({"peak_all": live_peak, "done": live_done,
                   "config_at": live_config_at, "hang_now": live_hang,
                   "peak_hang": live_hang_peak, "bank_fetches": bank_at})
    tmp = os.path.join(state_dir, "stats.json.tmp")
    json.dump(st, open(tmp, "w"), indent=1)
    os.rename(tmp, os.path.join(state_dir, "stats.json"))


def session_log(n, what):
    if n.get("session_log"):
        fd = os.open(n["session_log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                     0o644)
        os.write(fd, ("%s %s %.6f\n" % (what, n["name"], time.time())).encode())
        os.close(fd)


async def relay(r, w):
    try:
        while True:
            data = await r.read(65536)
            if not data:
                break
            w.write(data)
            await w.drain()
    except ConnectionError:
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass


async def proxy(n, r, w):
    """One session relayed to the real node at n["backend"]."""
    br, bw = await asyncio.open_connection("127.0.0.1", n["backend"])
    await asyncio.gather(relay(r, bw), relay(br, w))


async def serve(n, r, w):
    session_log(n, "start")
    live_open(n)
    phys = n.get("physical", n["name"])
    active[phys] = active.get(phys, 0) + 1
    peak[phys] = max(peak.get(phys, 0), active[phys])
    conns.setdefault(n["name"], []).append(time.time())
    if live:
        dump_stats()
    delay = n.get("delay_ms", 0) / 1000
    mode = n["mode"]
    try:
        if mode == "proxy":
            await proxy(n, r, w)
            return
        if mode == "hang":
            while await r.read(4096):
                pass
            return
        if mode == "garbage":
            w.write(bytes(range(256)) * 4)
            await w.drain()
            await asyncio.sleep(3600)
            return
        await send(w, n, "# munin node at %s\n" % n["name"])
        while True:
            line = await r.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip().split()
            if not cmd:
                continue
            if mode != "slow":
                await asyncio.sleep(delay)
            if cmd[0] == "cap":
                await send(w, n, "cap multigraph dirtyconfig\n")
            elif cmd[0] == "list":
                await send(w, n, " ".join(plugin_names(n)) + "\n")
            elif cmd[0] == "config" and len(cmd) > 1:
                configs[n["name"]] = configs.get(n["name"], 0) + 1
                live_config(n)
                await send(w, n, "\n".join(config_text(n, cmd[1])) + "\n.\n")
            elif cmd[0] == "fetch" and len(cmd) > 1:
                fetches[n["name"]] = fetches.get(n["name"], 0) + 1
                bp = by_plugin.setdefault(n["name"], {})
                bp[cmd[1]] = bp.get(cmd[1], 0) + 1
                if mode == "halfclose":
                    w.write(b"f0.value 1\nf1.va")
                    await w.drain()
                    return
                if mode == "garbage_mid":
                    w.write(b"\x00\xff\xfe" * 100 + b"\n")
                    await w.drain()
                    continue
                if mode == "endless":
                    while True:
                        w.write(b"x" * 65536)
                        await w.drain()
                        await asyncio.sleep(0.01)
                await send(w, n, "\n".join(fetch_text(n, cmd[1])) + "\n.\n")
            elif cmd[0] == "quit":
                return
            else:
                await send(w, n, "# Unknown command. Try cap, list, nodes, "
                           "config, fetch, version or quit\n")
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        active[phys] -= 1
        session_log(n, "end")
        live_close(n)
        try:
            w.close()
        except Exception:
            pass


async def main():
    ports = {}
    for n in spec:
        srv = await asyncio.start_server(
            lambda r, w, n=n: serve(n, r, w), n.get("addr", "127.0.0.1"),
            n.get("port", 0), reuse_address=True)
        ports[n["name"]] = srv.sockets[0].getsockname()[1]
    tmp = os.path.join(state_dir, "ports.json.tmp")
    json.dump(ports, open(tmp, "w"))
    os.rename(tmp, os.path.join(state_dir, "ports.json"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    json.dump({"peak": peak, "connections": conns, "fetches": fetches,
               "configs": configs, "fetches_by_plugin": by_plugin},
              open(os.path.join(state_dir, "stats.json"), "w"), indent=1)
    if live:
        dump_stats()


asyncio.run(main())
