"""``History``: what ``ag.fit`` measured, one entry per epoch, printable as a table."""

from __future__ import annotations


class History:
    """Per-epoch lists from a training run, all of the same length.

    ``epoch`` (1, 2, ...), ``loss`` (mean minibatch loss during the epoch), ``train_acc``,
    ``test_loss``, ``test_acc`` (None entries when not measured), ``time`` (seconds per epoch,
    evaluation included), and ``step_loss``: the loss of every minibatch, in order, for the
    book's loss-per-iteration plots. ``str(history)`` is a table; ``history.as_dict()`` gives
    plain lists.
    """

    FIELDS = ("epoch", "loss", "train_acc", "test_loss", "test_acc", "time")

    def __init__(self, has_test: bool = False):
        self.has_test = has_test
        self.epoch: list[int] = []
        self.loss: list[float] = []
        self.train_acc: list[float | None] = []
        self.test_loss: list[float | None] = []
        self.test_acc: list[float | None] = []
        self.time: list[float] = []
        self.step_loss: list[float] = []

    def record(self, epoch, loss, train_acc, test_loss, test_acc, seconds) -> None:
        """Append one epoch's measurements."""
        for name, value in zip(self.FIELDS, (epoch, loss, train_acc, test_loss, test_acc, seconds)):
            getattr(self, name).append(value)

    def __len__(self) -> int:
        return len(self.epoch)

    def as_dict(self) -> dict:
        """The lists by name (copies), including ``step_loss``."""
        out = {name: list(getattr(self, name)) for name in self.FIELDS}
        out["step_loss"] = list(self.step_loss)
        return out

    # ----- the table ----------------------------------------------------------------------------
    def _columns(self):
        columns = [
            ("epoch", "epoch", "{:>5d}"),
            ("loss", "loss", "{:>9.4f}"),
            ("train acc", "train_acc", "{:>9.4f}"),
        ]
        if self.has_test:
            columns += [
                ("test loss", "test_loss", "{:>9.4f}"),
                ("test acc", "test_acc", "{:>9.4f}"),
            ]
        return columns + [("time", "time", "{:>6.2f}s")]

    def header(self) -> str:
        """The table's header line."""
        return "  ".join(f"{title:>{_width(fmt)}}" for title, _, fmt in self._columns())

    def row(self, i: int) -> str:
        """The table line of epoch index ``i`` (``-1`` for the last one)."""
        cells = []
        for _, name, fmt in self._columns():
            value = getattr(self, name)[i]
            cells.append("-".rjust(_width(fmt)) if value is None else fmt.format(value))
        return "  ".join(cells)

    def __str__(self) -> str:
        if not self.epoch:
            return "History (no epochs)"
        return "\n".join([self.header(), *(self.row(i) for i in range(len(self)))])

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(0 epochs)"
        parts = [f"loss {self.loss[-1]:.4f}"]
        for label, values in (("train acc", self.train_acc), ("test acc", self.test_acc)):
            if values[-1] is not None:
                parts.append(f"{label} {values[-1]:.4f}")
        return f"History({len(self)} epochs; last: {', '.join(parts)})"


def _width(fmt: str) -> int:
    """The printed width of a format like ``{:>9.4f}`` or ``{:>6.2f}s``."""
    spec = fmt[fmt.index(">") + 1 :]
    digits = "".join(ch for ch in spec.split(".")[0].rstrip("d") if ch.isdigit())
    return int(digits) + (1 if fmt.endswith("s") else 0)
