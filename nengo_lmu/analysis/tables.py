"""Plain-text tables of results, as the ``nengo-lmu`` command prints them."""

from nengo_lmu.hardware import backends


def format_table(records):
    """A plain-text table of trial records (:func:`.experiment.run_trial`), one row each."""
    delays = records[0]["delays"]
    cols = [("backend", "{}"), ("neurons", "{}"), ("E", "{:.4f}"), ("E_n", "{:.4f}")]
    cols += [(f"NRMSE({f:g} theta)", "{:.3f}") for f in delays]
    cols += [(f"vs ideal({f:g})", "{:.3f}") for f in delays]
    cols += [("realtime", "{:.2f}x"), ("build [s]", "{:.2f}"), ("peak RSS [MiB]", "{:.0f}")]
    figures = [_hardware_figures(r) for r in records]
    hw = any(f is not None for f in figures)
    if hw:
        cols += [("cores", "{}"), ("synapses [KiB]", "{:.0f}"),
                 ("uJ/s chip", "{:.1f}"), ("uJ/s CPU", "{:.0f}")]
    rows = []
    for r, f in zip(records, figures):
        vals = [r["backend"], f"{r['n_neurons']} {r['neuron_type']}",
                r["state_error"], r["normalised_state_error"]]
        vals += [r[f"delay_nrmse_{f:g}"] for f in delays]
        vals += [r[f"delay_nrmse_ideal_{f:g}"] for f in delays]
        vals += [r["realtime"], r["build_s"], r["peak_rss_mb"]]
        if f is not None:
            per_s = 1e6 / r["duration"]
            vals += [f.get("cores"), f.get("synapse_kib"), f["chip_j"] * per_s,
                     f["cpu_j"] * per_s]
        elif hw:
            vals += [None] * 4
        rows.append(["-" if v is None else fmt.format(v) for (_, fmt), v in zip(cols, vals)])
    widths = [max(len(c[0]), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    line = lambda items: "  ".join(s.rjust(w) for s, w in zip(items, widths))  # noqa
    return "\n".join([line([c[0] for c in cols]), line(["-" * w for w in widths])]
                     + [line(row) for row in rows])


def _hardware_figures(record):
    backend = backends.find(record["backend"])
    return None if backend is None else backend.hardware_figures(record)


def table_notes(records):
    """Each backend's note on its rows (``Backend.table_note``), in order of first row."""
    names = dict.fromkeys(r["backend"] for r in records)
    found = [backends.find(name) for name in names]
    return [b.table_note for b in found if b is not None and b.table_note]


def format_ladder(table):
    """The ladder table (:func:`.analog.table`) as text: E mean +- sd over chips, range
    and ratio to reference."""
    lines = [f"{'d':>2} {'m':>5}  {'step':<16} {'chips':>5}  {'E mean':>7} {'sd':>6}  "
             f"{'min':>6} {'max':>6}  {'vs ref':>6}"]
    for _, r in table.iterrows():
        lines.append(f"{r['order']:>2} {r['n_neurons']:>5}  {r['step']:<16} {r['chips']:>5}  "
                     f"{r['mean']:7.3f} {r['std']:6.3f}  {r['min']:6.3f} {r['max']:6.3f}  "
                     f"{r['vs_reference']:5.2f}x")
    lines.append("E: state error against the ideal discrete memory; chips: substrate seeds "
                 "(also the network seeds); each step adds one compensation to the one above")
    return "\n".join(lines)


def format_stages(results):
    """The table of :func:`nengo_lmu.analysis.pipeline.run` as text."""
    config = results["config"]
    lines = [f"{config['task']}: {results['training']['parameters']} weights, trained in "
             f"{results['training']['seconds']:.0f} s ({config['epochs']} epochs)",
             f"{'stage':<26} {'metric':<9} {'score':>7} {'lost':>8} {'test':>6} "
             f"{'seconds':>8}"]
    for row in results["rows"]:
        lost = "" if row.get("lost") is None else f"{row['lost']:+8.4f}"
        lines.append(f"{row['stage']:<26} {row['metric']:<9} {row['score']:7.4f} "
                     f"{lost:>8} {row['n_test']:>6} {row['seconds']:8.1f}")
    return "\n".join(lines)


def format_fits(table):
    """A plain-text table of :func:`nengo_lmu.analysis.study.fits`."""
    if not len(table):
        return "(no family of trials with at least two values of m or d)"
    lines = [
        f"{'fit':<14} {'neurons':<8} {'scaling':<7} {'metric':<9} {'alpha':>7} "
        f"{'95% CI':>17} {'theory':>6} {'points':>6} {'trials':>6} {'floor E_n':>9}"
    ]
    lines.append("-" * len(lines[0]))
    for r in table.itertuples():
        what = f"{r.swept} {r.x_min:g}-{r.x_max:g}"
        lines.append(
            f"{what + ', ' + r.fixed:<14} {r.neuron_type:<8} {'yes' if r.state_scaling else 'no':<7} "
            f"{r.metric:<9} {r.exponent:>7.3f} [{r.ci_low:>6.3f}, {r.ci_high:>6.3f}] "
            f"{r.theory:>6.1f} {r.n_points:>6} {r.n:>6} {r.floor:>9.2g}"
            + (f"  {r.backend}" if r.backend != backends.DEFAULT else "")
            + (f"  {r.label}" if r.label else "")
        )
    return "\n".join(lines)
