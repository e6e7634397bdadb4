#!/usr/bin/python3
"""lvm_expect.py LVS_JSON munin FETCH_FILE
   lvm_expect.py LVS_JSON api SIZE_JSON THIN_JSON

Compares what drover shows of LVM with what lvs itself reports (LVS_JSON:
`lvs --reportformat json --units b --nosuffix -o
lv_name,vg_name,lv_size,segtype,data_percent,metadata_percent VG`), as
plugins/host_lvm.h names it: lvm_size has a field VG_LV (Munin's
clean_fieldname) per LV of the report, its size in bytes, and no other;
lvm_thin has VG_POOL_data and VG_POOL_metadata per thin pool, its
data_percent and metadata_percent, or U where lvs prints "" (an inactive
pool: always, without device-mapper).  The values come from a multigraph
fetch answer of drover node (munin) or the API's service objects of
drover run (api; a null value is U).  Prints each difference and exits 1;
prints a summary and exits 0 when all agree."""
import json
import re
import sys


def clean(name):
    # Munin::Plugin::clean_fieldname
    name = re.sub(r"^[^A-Za-z_]", "_", name)
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def from_munin(path):
    got, svc = {}, None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("multigraph "):
            svc = line.split(" ", 1)[1]
            got.setdefault(svc, {})
            continue
        m = re.match(r"^([A-Za-z0-9_]+)\.value (\S+)$", line)
        if m and svc is not None:
            got[svc][m.group(1)] = m.group(2)
    return got


def from_api(path):
    j = json.load(open(path))
    return {f["name"]: "U" if f["value"] is None else repr(f["value"])
            for f in j["fields"]}


def same(got, want):
    if want == "U" or got == "U":
        return got == want
    try:
        return float(got) == float(want)
    except ValueError:
        return False


def main():
    lvs = json.load(open(sys.argv[1]))["report"][0]["lv"]
    if sys.argv[2] == "munin":
        got = from_munin(sys.argv[3])
        size, thin = got.get("lvm_size", {}), got.get("lvm_thin", {})
    else:
        size, thin = from_api(sys.argv[3]), from_api(sys.argv[4])
    want_size, want_thin = {}, {}
    for lv in lvs:
        f = clean(lv["vg_name"] + "_" + lv["lv_name"])
        want_size[f] = lv["lv_size"]
        if lv["segtype"] == "thin-pool":
            want_thin[f + "_data"] = lv["data_percent"] or "U"
            want_thin[f + "_metadata"] = lv["metadata_percent"] or "U"
    bad = []
    for svc, want, got in (("lvm_size", want_size, size),
                           ("lvm_thin", want_thin, thin)):
        for f in sorted(want):
            if f not in got:
                bad.append("%s: no field %s (lvs: %s)" % (svc, f, want[f]))
            elif not same(got[f], want[f]):
                bad.append("%s: %s is %s, lvs says %s" % (svc, f, got[f], want[f]))
        for f in sorted(set(got) - set(want)):
            bad.append("%s: field %s (%s) is no LV of lvs" % (svc, f, got[f]))
    if bad:
        print("\n".join(bad))
        return 1
    print("lvm_size: %d LVs agree with lvs; lvm_thin: %d pools (%s)"
          % (len(want_size), len(want_thin) // 2,
             ", ".join("%s %s" % kv for kv in sorted(want_thin.items()))))
    return 0


sys.exit(main())
