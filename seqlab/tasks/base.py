"""The interface between a task and the train loop: `Task`, the one base class of every task.

A subclass must define the four abstract methods; the optional ones have defaults here, so the
loop and the figures call every method without asking whether a task has it. Shapes: B examples
per batch; `batch` is a dict of arrays with a leading [B] axis, among them `mask` [B] (0 for
padding) and `id` [B].
"""

import abc
from typing import Any

import jax
import ml_collections

from seqlab import tasks
from seqlab.data.types import DatasetInfo


class Task(abc.ABC):
    """Turns a batch into model inputs and the model's outputs into a loss and metrics."""

    @abc.abstractmethod
    def model_kwargs(self, info: DatasetInfo) -> dict[str, Any]:
        """The model arguments that come from the data (number of classes, vocabulary, ...);
        raises ConfigError when the data cannot serve this task."""

    @abc.abstractmethod
    def inputs(self, batch: dict) -> tuple:
        """The positional inputs of `model.apply`, each with a leading [B] axis."""

    @abc.abstractmethod
    def loss(self, outputs: Any, batch: dict) -> tuple[jax.Array, dict]:
        """(scalar loss, metrics): each metric is (sum, count) over the batch's real examples, so
        averages over batches are exact. `outputs` is what `model.apply` (in training) or
        `eval_outputs` (in evaluation) returned."""

    @abc.abstractmethod
    def predict(self, outputs: Any) -> dict:
        """Per-example outputs [B, ...] written by --mode=predict."""

    def eval_outputs(self, model: Any, params: Any, batch: dict) -> Any:
        """What evaluation passes to `loss`: by default the model's outputs on `inputs(batch)`;
        a task may add to them (e.g. a greedy decoding next to the logits)."""
        return model.apply({'params': params}, *self.inputs(batch), train=False)

    def describe(self, model: Any) -> str | None:
        """One line logged at start-up (e.g. the model's receptive field), or None."""
        return None

    def generate(
        self,
        model: Any,
        params: Any,
        options: ml_collections.ConfigDict,
        info: DatasetInfo,
        directory: str,
    ) -> str:
        """--mode=generate: samples from `params` with config.generate's `options`, writes files
        into `directory` and returns what it wrote (a path). Only some tasks generate."""
        raise tasks.generate_unavailable(tasks.name_of(type(self)))


def generates(task_class: type[Task]) -> bool:
    """Whether `task_class` implements `generate`."""
    return task_class.generate is not Task.generate
