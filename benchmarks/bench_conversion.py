"""What makes spikes track rates: the conversion's knobs, measured on permuted digits.

A network with the ideal memory is trained with rates in parallel (no
synapses on its trained path; :mod:`nengo_lmu.analysis.parallel`), then
converted to neurons and spikes (:mod:`nengo_lmu.analysis.conversion`), one
knob at a time, each scored on the same test digits with the same seeds
(ideal rates, neural rates, spikes on nengo's reference simulator):

1. ``synapse``: the memory-to-hidden synapse, added at deployment, plain or
   compensated (:func:`.conversion.compensated`);
2. ``readout``: the readout synapse (the hidden spikes' filter);
3. ``time-scale``: each item held ``s`` times as many steps, ``theta``
   times ``s``, the synapses as they are;
4. ``neurons``: memory neurons;
5. ``rate-scale``: the hidden units' rate for an activation of 1;
6. ``finetune``: trained again with nengo-dl as deployed (neural memory,
   synapses, compensation) from the trained weights;
7. ``table``: every stage (ideal rates, neural rates, spikes on the
   reference, the Loihi emulator, the analog chip), with the accuracy lost at
   each step.

Sections 3-7 use ``--hidden-synapse`` (compensated) and
``--readout-synapse``; 4, 5 and 7 ``--time-scale`` too; the table
``--memory-reg``, ``--loihi-calibration`` (the training digits whose
spikes the Loihi memory's decoders are solved from) and ``--loihi-finetune``
(the training digits whose Loihi memory states its hidden layer and readout
are trained again on, :mod:`nengo_lmu.analysis.loihi_finetune`). The network is trained with ``--input-to-hidden`` and
``--state-noise`` (noise in the loop, :func:`.parallel.train`) when given;
the trained networks are kept in ``--out`` and reused.

Examples::

    python benchmarks/bench_conversion.py synapse readout time-scale
    python benchmarks/bench_conversion.py neurons rate-scale --n-test 100
    python benchmarks/bench_conversion.py finetune table
    python benchmarks/bench_conversion.py table --order 64 --units 100 \
        --input-to-hidden 1 --state-noise 0.3 --table-n-neurons 3904 \
        --memory-reg 0.02 --n-test 359 --hardware-n-test 8 --time-scale 16 \
        --readout-synapse 0.002 --table-rate-scale 800
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SECTIONS = ("synapse", "readout", "time-scale", "neurons", "rate-scale", "finetune",
            "table")


def base(args):
    """The rate network with the ideal memory, trained in parallel (cached)."""
    from nengo_lmu.analysis import parallel, pipeline

    path = os.path.join(args.out, f"base-d{args.order}-u{args.units}-i"
                        f"{int(args.input_to_hidden)}-noise{args.state_noise:g}.npz")
    cells = [dict(units=args.units, order=args.order, hidden_synapse=None,
                  n_neurons=args.n_neurons, hidden_to_hidden=False,
                  input_to_hidden=args.input_to_hidden)]
    config = pipeline.settings("digits", cells=cells, seed=args.seed,
                               network=dict(memory="ideal", readout_synapse=None))
    task = pipeline.make_task(config)
    if not os.path.exists(path):
        net = pipeline.make_network(config, task, seed=args.seed)
        trained = parallel.train(net, task, epochs=args.epochs, batch_size=64,
                                 learning_rate=5e-3, steps_per_item=2, seed=args.seed,
                                 state_noise=args.state_noise)
        trained.save(path)
        print(f"trained (ideal memory, rates, parallel, state noise "
              f"{args.state_noise:g}): {args.epochs} epochs in {trained.seconds:.0f} s",
              flush=True)
    return path, task


def finetuned(args, path, task, knobs):
    """``path`` trained again as deployed, with ``knobs`` (cached)."""
    from nengo_lmu.analysis import conversion

    out = os.path.join(args.out, f"finetuned-d{args.order}-{args.finetune_epochs}.npz")
    if not os.path.exists(out):
        trained = conversion.finetune(path, task, epochs=args.finetune_epochs,
                                      batch_size=32, learning_rate=args.finetune_rate,
                                      steps_per_item=2, seed=args.seed, **knobs)
        trained.save(out)
        print(f"fine-tuned with {knobs}: {args.finetune_epochs} epochs in "
              f"{trained.seconds:.0f} s; loss {trained.loss[0]:.3f} -> "
              f"{trained.loss[-1]:.3f}", flush=True)
    return out


def row(label, rows):
    scores = {r["stage"]: r["score"] for r in rows}
    cols = ("ideal rates", "neural rates", "spikes (reference)")
    return f"{label:<34} " + " ".join(
        f"{scores[c]:>12.4f}" if c in scores else f"{'-':>12}" for c in cols)


def header(title):
    print(f"\n{title}\n{'':<34} {'ideal rates':>12} {'neural rates':>12} "
          f"{'spikes (ref)':>12}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", default=list(SECTIONS),
                        help=f"any of {SECTIONS} (default all)")
    parser.add_argument("--order", type=int, default=24)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--n-neurons", type=int, default=1200)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--input-to-hidden", type=int, default=0, choices=(0, 1),
                        help="the input feeds the hidden units too (1)")
    parser.add_argument("--state-noise", type=float, default=0.0,
                        help="noise on the memory states in training, a fraction of "
                        "each state's RMS (parallel.train's state_noise)")
    parser.add_argument("--memory-reg", type=float,
                        help="regularisation of the memories' decoders (default the "
                        "memory's, 0.1)")
    parser.add_argument("--hidden-synapse", type=float, default=0.01)
    parser.add_argument("--readout-synapse", type=float, default=0.005)
    parser.add_argument("--time-scale", type=int, default=8)
    parser.add_argument("--finetune-epochs", type=int, default=1)
    parser.add_argument("--finetune-n-train", type=int, default=512)
    parser.add_argument("--finetune-rate", type=float, default=1e-3)
    parser.add_argument("--n-test", type=int, default=100)
    parser.add_argument("--hardware-n-test", type=int, default=20,
                        help="test digits on the Loihi emulator and the analog chip")
    parser.add_argument("--table-n-neurons", type=int,
                        help="memory neurons in the table (default --n-neurons)")
    parser.add_argument("--table-rate-scale", type=float,
                        help="hidden units' rate in the table (default as trained, 200 Hz)")
    parser.add_argument("--loihi-calibration", type=int,
                        help="training digits whose spikes on the integer emulator the "
                        "Loihi memory's decoders are solved from (default the "
                        "conversion's, 64; 0: the rate decoders)")
    parser.add_argument("--loihi-finetune", type=int, default=0,
                        help="training digits whose memory states on the integer emulator "
                        "the Loihi stage's hidden layer and readout are trained again on "
                        "(the last quarter held out to decide whether to keep them; "
                        "default 0: the trained weights)")
    parser.add_argument("--table-stages",
                        help="the table's stages, comma-separated (default all), e.g. "
                        "'spikes (reference),spikes (Loihi emulator)'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench-results/conversion")
    args = parser.parse_args(argv)
    bad = [s for s in args.sections if s not in SECTIONS]
    if bad:
        parser.error(f"sections must be among {SECTIONS} (got {bad})")
    os.makedirs(args.out, exist_ok=True)

    from nengo_lmu.analysis import conversion

    path, task = base(args)
    print(f"permuted digits, d = {args.order}, {args.units} hidden units, "
          f"{args.n_neurons} memory neurons, trained at 2 steps per item; "
          f"{args.n_test} test digits, seed {args.seed}")
    rates_and_spikes = ["ideal rates", "neural rates", "spikes (reference)"]

    def convert(trained, **knobs):
        return conversion.convert(trained, task, stages=rates_and_spikes,
                                  steps_per_item=2, n_test=args.n_test, seed=args.seed,
                                  **knobs)

    syn = dict(hidden_synapse=args.hidden_synapse, compensate=True)
    deployed = dict(syn, readout_synapse=args.readout_synapse)
    scaled = dict(deployed, time_scale=args.time_scale)
    if "synapse" in args.sections:
        header("memory-to-hidden synapse (s), added at deployment (no readout synapse)")
        print(row("none (as trained)", convert(path)), flush=True)
        for tau in (0.005, 0.01, 0.02):
            print(row(f"{tau}", convert(path, hidden_synapse=tau)), flush=True)
            print(row(f"{tau} compensated", convert(path, hidden_synapse=tau,
                                                     compensate=True)), flush=True)
    if "readout" in args.sections:
        header(f"readout synapse (s) ({args.hidden_synapse} s hidden, compensated)")
        for tau in (None, 0.002, 0.005, 0.01):
            print(row(f"{tau}", convert(path, readout_synapse=tau, **syn)), flush=True)
    if "time-scale" in args.sections:
        header(f"items held s times as many steps ({args.hidden_synapse} s hidden "
               f"compensated, {args.readout_synapse} s readout)")
        for scale in (1, 2, 4, 8, 16):
            print(row(f"s = {scale} ({2 * scale} steps per item)",
                      convert(path, time_scale=scale, **deployed)), flush=True)
    if "neurons" in args.sections:
        header(f"memory neurons (as above, s = {args.time_scale})")
        for n in (args.n_neurons // 2, args.n_neurons, 2 * args.n_neurons,
                  4 * args.n_neurons):
            print(row(f"{n} neurons", convert(path, n_neurons=n, **scaled)), flush=True)
    if "rate-scale" in args.sections:
        header(f"hidden units' rate for an activation of 1 (as above, s = {args.time_scale})")
        for rate in (100, 200, 400, 800):
            print(row(f"{rate} Hz", convert(path, rate_scale=rate, **scaled)), flush=True)
    if "finetune" in args.sections:
        header(f"fine-tuned as deployed ({args.hidden_synapse} s hidden compensated, "
               f"{args.readout_synapse} s readout, s = {args.time_scale}, neural memory, "
               f"rates; {args.finetune_n_train} training digits)")
        tuned = finetuned(args, path, task.subset(n_train=args.finetune_n_train), scaled)
        print(row("before", convert(path, **scaled)), flush=True)
        # the fine-tuned network is the deployed one: theta and steps already scaled
        rows = conversion.convert(tuned, task, stages=rates_and_spikes,
                                  steps_per_item=2 * args.time_scale, n_test=args.n_test,
                                  seed=args.seed)
        print(row(f"after {args.finetune_epochs} epoch(s)", rows), flush=True)
    if "table" in args.sections:
        hw = {"spikes (Loihi emulator)": args.hardware_n_test,
              "spikes (analog)": args.hardware_n_test}
        knobs = dict(scaled, n_neurons=args.table_n_neurons,
                     rate_scale=args.table_rate_scale, memory_reg=args.memory_reg)
        if args.loihi_calibration is not None:
            knobs["loihi_calibration"] = args.loihi_calibration
        if args.loihi_finetune:
            knobs["loihi_finetune"] = args.loihi_finetune
        stages = None if args.table_stages is None else args.table_stages.split(",")
        rows = conversion.convert(path, task, stages=stages, steps_per_item=2,
                                  n_test=args.n_test, seed=args.seed,
                                  stage_n_test={k: v for k, v in hw.items()
                                                if stages is None or k in stages},
                                  log=print, **knobs)
        print()
        print(conversion.format_table(
            rows, title=f"all stages: {args.hidden_synapse} s hidden synapse compensated, "
            f"{args.readout_synapse} s readout, s = {args.time_scale}, "
            f"{args.table_n_neurons or args.n_neurons} memory neurons, hidden rate "
            f"{args.table_rate_scale or 200:g} Hz, memory decoders' regularisation "
            f"{args.memory_reg or 0.1:g}; on Loihi hidden rate at most "
            f"{conversion.STAGES['spikes (Loihi emulator)'].max_hidden_rate:g} Hz, memory "
            f"decoders from its spikes on "
            f"{knobs.get('loihi_calibration', conversion.LOIHI_CALIBRATION_EXAMPLES)} "
            "training digits" + (f", hidden layer and readout fine-tuned on its memory's "
                                 f"states on {args.loihi_finetune} training digits"
                                 if args.loihi_finetune else "")), flush=True)


if __name__ == "__main__":
    main()
