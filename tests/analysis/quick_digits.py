"""The small trained digits network that the conversion tests deploy."""

from nengo_lmu.analysis import parallel, pipeline

#: The quick setting: d = 12, trained with the ideal memory in parallel (~10 s).
CELLS = [dict(units=30, order=12, hidden_synapse=None, n_neurons=600)]


def train_quick_digits():
    """``(config, task, trained)``: the quick digits setting, trained in parallel."""
    config = pipeline.settings("digits", quick=True, cells=CELLS, n_train=512, n_test=40,
                               network=dict(memory="ideal", readout_synapse=None))
    task = pipeline.make_task(config)
    net = pipeline.make_network(config, task)
    trained = parallel.train(net, task, epochs=20, batch_size=32, learning_rate=1e-2,
                             steps_per_item=2)
    return config, task, trained
