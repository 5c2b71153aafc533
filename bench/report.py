#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: turn the guests' raw output into one table stock | ours | gain.

    report.py [--out DIR] LOG...

LOGs are the results logs of the bench boots (workbench/guest/job-bench.sh
prints BENCH-* lines) and meta.log (BENCH-META lines from bench.sh). Prints
the table; with --out also writes DIR/results.csv, DIR/chart.dat and, when
gnuplot is installed, DIR/chart.png.

gain > 1 means ours is better: stock/ours for costs (time, memory, waste),
ours/stock for density and pages freed. Rows with gain < 1 are marked
WORSE. Timed rows give the median and min..max over all runs (op costs
on all CPUs under TCG: over every round's boot and every pass).
"""
import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys

PAGE = 4096
SETTLE_BOUND_MS = 60000  # bench-tool freelat's bound
HEADER = 8  # per-object handle header in non-huge classes (stock and ours)
KV = re.compile(r'(\w+)=(\S+)')


def kv(text):
    return dict(KV.findall(text))


def parse(paths):
    """Everything the logs say, by kind."""
    d = {'meta': {}, 'snaps': [], 'times': [], 'opcost': [], 'freelat': [],
         'info': {}}
    for path in paths:
        variant = None
        with open(path, errors='replace') as f:
            lines = f.read().splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            i += 1
            if line.startswith('BENCH-META '):
                d['meta'].update(kv(line))
            elif line.startswith('BENCH-INFO '):
                info = kv(line)
                variant = info.get('variant', variant)
                if variant:
                    d['info'].setdefault(variant, {}).update(info)
            elif line.startswith('BENCH-BEGIN '):
                snap = kv(line)
                snap['variant'] = variant
                snap['kind'] = line.split()[1]
                table = []
                while i < len(lines) and lines[i].strip() != 'BENCH-END':
                    table.append(lines[i])
                    i += 1
                i += 1
                snap.update(parse_snap(table))
                d['snaps'].append(snap)
            elif line.startswith('BENCH-TIME '):
                t = kv(line)
                t['variant'] = variant
                t['kind'] = line.split()[1]
                d['times'].append(t)
            elif line.startswith('BENCH-OPCOST '):
                o = kv(line)
                o['variant'] = variant
                d['opcost'].append(o)
            elif line.startswith('BENCH-FREELAT '):
                o = kv(line)
                o['variant'] = variant
                d['freelat'].append(o)
    return d


def parse_snap(table):
    """mm_stat and the debugfs class table -> figures and the waste split."""
    mm = [int(x) for x in table[0].split()[1:]]
    s = {'orig': mm[0], 'compr': mm[1], 'mem': mm[2], 'compacted': mm[6],
         'huge': mm[7] if len(mm) > 7 else 0}
    cols = None
    pages = alloc = used = header = 0
    if any('bytes_live' in row.split() for row in table[1:]):
        return {**s, **parse_bins(table[1:], s['compr'])}
    for row in table[1:]:
        f = row.split()
        if not f:
            continue
        if cols is None and 'obj_allocated' in f:
            cols = {name: n for n, name in enumerate(f)}
            continue
        if cols is None or f[0] == 'Total' or len(f) < len(cols):
            continue
        size = int(f[cols['size']])
        a, u = int(f[cols['obj_allocated']]), int(f[cols['obj_used']])
        pu, ppz = int(f[cols['pages_used']]), int(f[cols['pages_per_zspage']])
        pages += pu
        alloc += a * size
        used += u * size
        huge = ppz == 1 and ppz * PAGE // size == 1
        if not huge:
            header += HEADER * u
    pool = pages * PAGE
    s.update(pool=pool, tail=pool - alloc, free_slots=alloc - used,
             header=header, rounding=used - header - s['compr'],
             classes_found=cols is not None)
    return s


def parse_bins(table, compr):
    """The bins table of a packed pool: the same waste split, where the
    free slots are the holes freed records left and the tail is what no
    record took yet; huge objects take a page each."""
    cols = None
    t = dict.fromkeys(('pages_used', 'bytes_used', 'bytes_live', 'obj_used',
                       'huge'), 0)
    for row in table:
        f = row.split()
        if cols is None and 'bytes_live' in f:
            cols = {name: n for n, name in enumerate(f)}
            continue
        if cols is None or len(f) < len(cols):
            continue
        for k in t:
            t[k] += int(f[cols[k]])
    pool, huge = t['pages_used'] * PAGE, t['huge'] * PAGE
    header = HEADER * (t['obj_used'] - t['huge'])
    return dict(pool=pool, tail=pool - t['bytes_used'] - huge,
                free_slots=t['bytes_used'] - t['bytes_live'], header=header,
                rounding=t['bytes_live'] + huge - header - compr,
                classes_found=cols is not None)


def median_spread(vals):
    vals = sorted(vals)
    return statistics.median(vals), vals[0], vals[-1], len(vals)


class Row:
    def __init__(self, section, metric, unit, better, stock, ours):
        """stock/ours: lists of values (one for deterministic figures)."""
        self.section, self.metric, self.unit, self.better = section, metric, unit, better
        self.stock = median_spread(stock) if stock else None
        self.ours = median_spread(ours) if ours else None

    @property
    def gain(self):
        if not self.stock or not self.ours:
            return None
        s, o = self.stock[0], self.ours[0]
        if self.better == 'lower':
            return s / o if o else None
        return o / s if s else None


def snap_of(d, variant, kind, **want):
    for s in d['snaps']:
        if s['variant'] == variant and s['kind'] == kind and \
                all(s.get(k) == v for k, v in want.items()):
            return s
    return None


def density_rows(d):
    rows = []
    orders = sorted({s['order'] for s in d['snaps']
                     if s['kind'] == 'density' and s['variant'] == 'ours'}) or ['-']
    for comp in ('lzo-rle', 'zstd'):
        for phase in ('fill', 'churn', 'half'):
            st = snap_of(d, 'stock', 'density', comp=comp, phase=phase)
            for o in orders:
                ou = snap_of(d, 'ours', 'density', comp=comp, phase=phase, order=o)
                sec = f'density {comp} {phase}, ours order {o}'
                for metric, unit, better, fn in (
                        ('compr/mem_used', 'ratio', 'higher', lambda s: s['compr'] / s['mem']),
                        ('orig/mem_used', 'ratio', 'higher', lambda s: s['orig'] / s['mem']),
                        ('mem_used_total', 'MiB', 'lower', lambda s: s['mem'] / 2**20),
                        ('huge_pages', 'pages', 'lower', lambda s: s['huge'])):
                    rows.append(Row(sec, metric, unit, better,
                                    [fn(st)] if st else [], [fn(ou)] if ou else []))
                if phase == 'fill':
                    for w in ('rounding', 'header', 'free_slots', 'tail'):
                        rows.append(Row(sec, f'waste: {w}', '% of mem', 'lower',
                                        [100 * st[w] / st['mem']] if st else [],
                                        [100 * ou[w] / ou['mem']] if ou else []))
    return rows


def compact_rows(d):
    rows = []
    b = {v: snap_of(d, v, 'compact', phase='before') for v in ('stock', 'ours')}
    a = {v: snap_of(d, v, 'compact', phase='after') for v in ('stock', 'ours')}
    t = {v: [float(x['time_ms']) for x in d['times']
             if x['variant'] == v and x['kind'] == 'compact'] for v in ('stock', 'ours')}
    sec = 'compaction: every other 4 KiB discarded (lzo-rle)'

    def val(v, fn):
        return [fn(b[v], a[v])] if b[v] and a[v] else []
    rows.append(Row(sec, 'mem_used before', 'MiB', 'lower', *(val(v, lambda x, y: x['mem'] / 2**20) for v in ('stock', 'ours'))))
    rows.append(Row(sec, 'mem_used after', 'MiB', 'lower', *(val(v, lambda x, y: y['mem'] / 2**20) for v in ('stock', 'ours'))))
    rows.append(Row(sec, 'pages freed', 'pages', 'higher', *(val(v, lambda x, y: (x['mem'] - y['mem']) // PAGE) for v in ('stock', 'ours'))))
    rows.append(Row(sec, 'compact time (icount)', 'ms', 'lower', t['stock'], t['ours']))
    return rows


def zram_rows(d):
    """The corpus written to zram and read back (-icount, 1 CPU)."""
    rows = []
    for phase, label in (('write', 'write the corpus (dd, O_DIRECT)'),
                         ('read', 'read it back (dd, O_DIRECT)')):
        t = {v: [float(x['time_ms']) for x in d['times']
                 if x['variant'] == v and x['kind'] == 'zram'
                 and x.get('phase') == phase] for v in ('stock', 'ours')}
        if t['stock'] or t['ours']:
            rows.append(Row('zram throughput: lzo-rle, default order (-icount, 1 CPU)',
                            label, 'ms', 'lower', t['stock'], t['ours']))
    return rows


def opcost_title(o):
    """Section title of a BENCH-OPCOST line: how it ran, on how many CPUs.

    Lines without threads= are zsbench at load on one CPU (under -icount
    unless clock= says otherwise); threads=T: T CPUs at once, one pool."""
    threads = int(o.get('threads', 0))
    clock = o.get('clock', 'tcg' if threads else 'icount')
    cpus = f'{threads} CPUs' if threads > 1 else '1 CPU' if not threads else '1 CPU, kthread'
    return f"op cost ({'TCG' if clock == 'tcg' else '-icount'}, {cpus})"


def opcost_rows(d):
    """One section per run kind and size: the single-CPU -icount ones first,
    then the all-CPU ones; each over all boots (rounds) and passes."""
    rows = []
    keys = []
    for o in d['opcost']:
        key = ('threads' in o, opcost_title(o), o['size'])
        if key not in keys:
            keys.append(key)
    keys.sort(key=lambda k: k[0])  # stable: sizes stay in their order
    # ours' api=obj lines (mainline's object API) are compared with stock's
    # mapping: the rows say which API each side used.
    ops = (('alloc', 'malloc+map(WO)+copy+unmap', 'map'),
           ('read', 'map(RO)+copy+unmap', 'map'), ('free', 'free', 'map'),
           ('alloc', 'malloc+zs_obj_write (ours) | map (stock)', 'obj'),
           ('read', 'zs_obj_read_begin+copy+end (ours) | map (stock)', 'obj'))
    # pool=packed lines: ours' packed pools, rows of their own; the others
    # are then pools of classes, and their rows say so
    packed = any(o.get('pool') == 'packed' for o in d['opcost'])
    for _, title, size in keys:
        for pool in ('classes', 'packed'):
            for op, label, api in ops:
                def vals(v, api):
                    # stock has one kind of pool: every row compares with it
                    return [float(o[op + '_ns']) for o in d['opcost']
                            if o['variant'] == v and o['size'] == size
                            and opcost_title(o) == title
                            and o.get('api', 'map') == api
                            and (v == 'stock' or o.get('pool', 'classes') == pool)]
                ours = vals('ours', api)
                if (api == 'obj' or pool == 'packed') and not ours:
                    continue
                rows.append(Row(f'{title}, size {size}',
                                label + (f', ours {pool}' if packed else ''),
                                'ns/op', 'lower', vals('stock', 'map'), ours))
    return rows


def freelat_rows(d):
    rows = []
    for clock, title in (('icount', '-icount, 1 CPU'), ('tcg', 'TCG')):
        lat = [x for x in d['freelat'] if x.get('clock', 'tcg') == clock]
        if lat:
            rows += freelat_clock_rows(lat, title)
    return rows


def freelat_clock_rows(lat, title):
    rows = []
    nps = sorted({int(x['nproc']) for x in lat})
    for np_ in nps:
        for metric, key in (('munmap', 'munmap_ms'), ('settle', 'settle_ms')):
            # settle_ms=-1: not settled within the guest's 60 s bound;
            # counted at the bound and said in the metric's name.
            def vals(variant, mode=None):
                return [float(x[key]) if float(x[key]) >= 0 else SETTLE_BOUND_MS
                        for x in lat if x['variant'] == variant
                        and int(x['nproc']) == np_ and (mode is None or x['defer'] == mode)]

            def timeouts(variant, mode=None):
                return sum(1 for x in lat if x['variant'] == variant
                           and int(x['nproc']) == np_ and float(x[key]) < 0
                           and (mode is None or x['defer'] == mode))
            st = vals('stock')
            for mode in ('off', 'on'):
                ou = vals('ours', mode)
                t = timeouts('stock') + timeouts('ours', mode)
                mib = lat[0]['mib']
                rows.append(Row(f'free latency ({title}), {mib} MiB, {np_} proc',
                                f'{metric}, ours deferral {mode}'
                                + (f' ({t} runs hit the 60 s bound)' if t else ''),
                                'ms', 'lower', st, ou))
    return rows


def gain_str(g):
    """3 decimals; 4 when that alone would hide which side is better."""
    if g is None:
        return 'n/a'
    for digits in range(3, 7):
        s = f'{g:.{digits}f}'
        if g == 1 or s.strip('0.') != '1':
            return s
    return s


def fmt(x):
    if x is None:
        return 'n/a'
    a = abs(x)
    if a >= 100 or x == int(x):
        return f'{x:.0f}'
    if a >= 10:
        return f'{x:.1f}'
    return f'{x:.3f}' if a < 1 else f'{x:.2f}'


def cell(ms, unit):
    if not ms:
        return 'n/a'
    med, lo, hi, n = ms
    f = {'ratio': lambda x: f'{x:.4f}', 'MiB': lambda x: f'{x:.2f}'}.get(unit, fmt)
    if n == 1:
        return f(med)
    return f'{f(med)} [{f(lo)}..{f(hi)}] n={n}'


def table(rows, d):
    out = []
    m = d['meta']
    out.append(f"make bench: Linux {m.get('kernel', '?')}, {m.get('date', '?')}, "
               f"corpus {m.get('corpus_mib', '?')} MiB sha256 {m.get('corpus_sha256', '?')} "
               f"(text part {m.get('corpus_text_sha256', '?')}), ours = {m.get('ours_commit', '?')}")
    for v in ('stock', 'ours'):
        info = d['info'].get(v, {})
        if info:
            out.append(f"  {v}: {info.get('kernel', '?')}"
                       + (f", zspage_order default {info['zspage_order_default']}"
                          if 'zspage_order_default' in info else ''))
    if 'stock_chain' in m:
        out.append(f"  stock's zspages: up to CONFIG_ZSMALLOC_CHAIN_SIZE={m['stock_chain']} pages"
                   " (ours at order 3 = up to 8 pages)")
    if any(i.get('deferred_free') == 'absent' for i in d['info'].values()):
        out.append('  ours: /sys/module/zram/parameters/deferred_free absent: "deferral on" is n/a')
    out.append('  gain > 1: ours better (stock/ours for costs, ours/stock for density, pages freed);'
               ' timed rows: median [min..max] n=runs')
    w = (34, 0, 8, 28, 28, 8)
    section = None
    for r in rows:
        if r.section != section:
            section = r.section
            out.append('')
            out.append(f'== {section}')
            out.append(f"{'metric':<{w[0]}} {'unit':<{w[2]}} {'stock':>{w[3]}} {'ours':>{w[4]}} {'gain':>{w[5]}}")
        g = r.gain
        mark = '  WORSE' if g is not None and g < 1 else ''
        out.append(f'{r.metric:<{w[0]}} {r.unit:<{w[2]}} {cell(r.stock, r.unit):>{w[3]}} '
                   f'{cell(r.ours, r.unit):>{w[4]}} {gain_str(g):>{w[5]}}{mark}')
    worse = [r for r in rows if r.gain is not None and r.gain < 1]
    out.append('')
    out.append(f'{len(rows)} rows, {len(worse)} where ours is worse than stock'
               + (':' if worse else ''))
    for r in worse:
        out.append(f'  WORSE: {r.section}: {r.metric} (gain {gain_str(r.gain)})')
    return '\n'.join(out)


def write_csv(rows, d, path):
    m = d['meta']
    with open(path, 'w', newline='') as f:
        wr = csv.writer(f)
        wr.writerow(['kernel', 'date', 'corpus_sha256', 'section', 'metric', 'unit',
                     'better', 'stock', 'ours', 'gain', 'stock_min', 'stock_max',
                     'stock_runs', 'ours_min', 'ours_max', 'ours_runs'])
        for r in rows:
            s = r.stock or (None,) * 4
            o = r.ours or (None,) * 4
            g = r.gain
            wr.writerow([m.get('kernel'), m.get('date'), m.get('corpus_sha256'),
                         r.section, r.metric, r.unit, r.better, s[0], o[0],
                         None if g is None else round(g, 4),
                         s[1], s[2], s[3], o[1], o[2], o[3]])


def chart_label(r):
    sec = (r.section.replace('density ', '').replace(', ours order ', ' o')
           .replace('op cost (-icount, 1 CPU), size ', 'op ')
           .replace('op cost (TCG, ', 'op TCG ').replace(' CPUs), size ', ' CPUs ')
           .replace('free latency (TCG), ', 'free ')
           .replace('free latency (-icount, 1 CPU), ', 'free icount ')
           .replace('compaction: every other 4 KiB discarded (lzo-rle)', 'compact'))
    met = (r.metric.replace('malloc+map(WO)+copy+unmap', 'alloc')
           .replace('map(RO)+copy+unmap', 'read').replace(', ours deferral ', ' defer '))
    return f'{sec}: {met}'.replace('"', "'")


def write_chart(rows, d, outdir):
    """Gain per headline row, one bar each, log scale, 1 = same as stock."""
    keep = [r for r in rows if r.gain is not None and not r.metric.startswith('waste')
            and r.metric not in ('huge_pages', 'mem_used_total', 'mem_used before')]
    dat = os.path.join(outdir, 'chart.dat')
    with open(dat, 'w') as f:
        for r in keep:
            f.write(f'"{chart_label(r)}" {r.gain:.4f}\n')
    if not keep or not shutil.which('gnuplot'):
        return None
    m = d['meta']
    png = os.path.join(outdir, 'chart.png')
    height = 400 + 16 * len(keep)
    gains = [r.gain for r in keep] + [1]
    xlo, xhi = min(gains) / 1.15, max(gains) * 1.15
    tics = ', '.join(str(t) for t in (0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 4, 8, 16)
                     if xlo <= t <= xhi)
    script = f'''
set terminal pngcairo size 1100,{height} font "sans,9" noenhanced
set output "{png}"
set title "zsmalloc: this series vs stock Linux {m.get('kernel', '?')} ({m.get('date', '?')}); gain > 1 = ours better"
set style fill solid 0.8
set boxwidth 0.7
set logscale x 2
set xrange [{xlo:.3f}:{xhi:.3f}]
set xlabel "gain (stock/ours for costs, ours/stock for density and pages freed; log scale)"
set ytics nomirror
set xtics ({tics})
set yrange [{len(keep)}:-1]
set grid xtics
unset key
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 lc rgb "black"
lo(g) = g < 1 ? g : 1
hi(g) = g < 1 ? 1 : g
plot "{dat}" using 2:0:(lo($2)):(hi($2)):($0 - 0.35):($0 + 0.35):($2 < 1 ? 0xd03020 : 0x3070b0):ytic(1) \\
     with boxxyerror lc rgb variable
'''
    subprocess.run(['gnuplot'], input=script, text=True, check=True)
    return png


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', help='directory for results.csv, chart.dat, chart.png')
    ap.add_argument('logs', nargs='+')
    a = ap.parse_args()
    d = parse(a.logs)
    rows = density_rows(d) + compact_rows(d) + zram_rows(d) + opcost_rows(d) + freelat_rows(d)
    rows = [r for r in rows if r.stock or r.ours]
    print(table(rows, d))
    if a.out:
        write_csv(rows, d, os.path.join(a.out, 'results.csv'))
        png = write_chart(rows, d, a.out)
        print(f'wrote {a.out}/results.csv' + (f' and {png}' if png else ' (no gnuplot: no chart)'),
              file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
