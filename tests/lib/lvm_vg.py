#!/usr/bin/python3
"""lvm_vg.py IN OUT NLV NTHIN: the vgcfgbackup text IN of an empty VG with
one PV (pv0), rewritten into OUT with NLV linear LVs lv01..lvNN of
different sizes (1..8 extents, in the order of their names), a thin pool
"pool" (its hidden pool_tdata of 64 extents and pool_tmeta of 2) and
NTHIN thin LVs thin01.. of 64 extents each in it, for
`vgcfgrestore --force`.

One restore instead of NLV lvcreate calls (about 55 ms each here), and
the only way to have a thin pool where the kernel has no device-mapper:
lvcreate --type thin-pool refuses without dm's thin target.  lvm itself
checks the text on restore and lvs reads it back, so the metadata the
tests see is LVM's own."""
import random
import re
import string
import sys

src, dst, nlv, nthin = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
text = open(src).read()
rng = random.Random(17)  # fixed: the same VG every run


def lv_id():
    a = string.ascii_letters + string.digits
    return "-".join("".join(rng.choice(a) for _ in range(k))
                    for k in (6, 4, 4, 4, 4, 4, 6))


def lv(name, status, segment):
    return ('\t\t%s {\n\t\t\tid = "%s"\n\t\t\tstatus = [%s]\n'
            '\t\t\tflags = []\n\t\t\tsegment_count = 1\n\n'
            '\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n%s\t\t\t}\n\t\t}\n'
            % (name, lv_id(), status, segment))


VISIBLE = '"READ", "WRITE", "VISIBLE"'
HIDDEN = '"READ", "WRITE"'
next_pe = 0


def linear(extents):
    global next_pe
    seg = ('\t\t\t\textent_count = %d\n\n\t\t\t\ttype = "striped"\n'
           '\t\t\t\tstripe_count = 1\n\n\t\t\t\tstripes = [\n'
           '\t\t\t\t\t"pv0", %d\n\t\t\t\t]\n' % (extents, next_pe))
    next_pe += extents
    return seg


lvs = []
for i in range(1, nlv + 1):
    lvs.append(lv("lv%02d" % i, VISIBLE, linear(1 + (i - 1) % 8)))
if nthin > 0:
    lvs.append(lv("pool_tdata", HIDDEN, linear(64)))
    lvs.append(lv("pool_tmeta", HIDDEN, linear(2)))
    lvs.append(lv("pool", VISIBLE,
                  '\t\t\t\textent_count = 64\n\n\t\t\t\ttype = "thin-pool"\n'
                  '\t\t\t\tmetadata = "pool_tmeta"\n\t\t\t\tpool = "pool_tdata"\n'
                  '\t\t\t\ttransaction_id = %d\n\t\t\t\tchunk_size = 128\n'
                  '\t\t\t\tdiscards = "passdown"\n\t\t\t\tzero_new_blocks = 1\n'
                  % nthin))
    for i in range(1, nthin + 1):
        lvs.append(lv("thin%02d" % i, VISIBLE,
                      '\t\t\t\textent_count = 64\n\n\t\t\t\ttype = "thin"\n'
                      '\t\t\t\tthin_pool = "pool"\n\t\t\t\ttransaction_id = %d\n'
                      '\t\t\t\tdevice_id = %d\n' % (i - 1, i)))

m = re.search(r'pe_count = (\d+)', text)
if m is None or int(m.group(1)) < next_pe:
    sys.exit("lvm_vg.py: the PV has %s extents, %d needed"
             % (m.group(1) if m else "no", next_pe))
if "\tlogical_volumes {" in text:
    sys.exit("lvm_vg.py: %s already has LVs" % src)
# an empty VG's text ends its VG section right after physical_volumes
body = "\n\tlogical_volumes {\n\n" + "\n".join(lvs) + "\t}\n"
text, n = re.subn(r'(\n\tphysical_volumes \{\n.*?\n\t\})\n', lambda m: m.group(1) + "\n" + body,
                  text, count=1, flags=re.S)
if n != 1:
    sys.exit("lvm_vg.py: no physical_volumes section in %s" % src)
open(dst, "w").write(text)
