"""Deep copies and pickles of tensors without recursion, whatever the depth of their graph.

By default ``copy.deepcopy`` and ``pickle`` follow a tensor's inputs recursively, so a chain of
a few hundred ops exceeds Python's recursion limit. Here a tensor that was made by an op is
reduced together with a :class:`GraphSnapshot`: the flat list of every tensor it depends on
(inputs before their consumers) and, for each, where its inputs are in that list. Each tensor in
the list is rebuilt from its own fields only, and the snapshot wires the inputs back when it is
rebuilt itself, so no object's state holds another tensor of the graph and the copy or pickle
runs in constant stack depth. Identities are kept: two tensors that shared an input in the
original share its copy.

Registered with :mod:`copyreg` for ``Tensor`` (and ``nn.Parameter``), so ``copy.copy``,
``copy.deepcopy`` and ``pickle`` all use it.
"""

from __future__ import annotations

import copyreg
import weakref

from .tensor import Tensor

__all__ = ["GraphSnapshot", "register"]

_SKIPPED = ("_inputs", "__weakref__")
#: id(tensor) -> (snapshot, index) for the tensors a live snapshot lists; entries disappear
#: with the snapshot (it holds the tensors, so their ids stay theirs while it lives)
_MEMBERS: dict = {}


def _fields(cls) -> tuple:
    names = []
    for klass in reversed(cls.__mro__):
        for name in getattr(klass, "__slots__", ()):
            if name not in _SKIPPED and name not in names:
                names.append(name)
    return tuple(names)


def _spec(inputs, index: dict) -> tuple:
    """An inputs tuple as ``("t", position)`` for tensors and ``("c", value)`` for constants."""
    return tuple(("t", index[id(x)]) if isinstance(x, Tensor) else ("c", x) for x in inputs)


class GraphSnapshot:
    """The tensors a tensor depends on, inputs first, and the wiring of their inputs."""

    def __init__(self, root: Tensor):
        order, index, done = [], {}, set()
        stack = [(x, False) for x in reversed(root._inputs or ()) if isinstance(x, Tensor)]
        while stack:
            tensor, expanded = stack.pop()
            if expanded:
                index[id(tensor)] = len(order)
                order.append(tensor)
                continue
            if id(tensor) in done:
                continue
            done.add(id(tensor))
            stack.append((tensor, True))
            for x in reversed(tensor._inputs or ()):
                if isinstance(x, Tensor) and id(x) not in done:
                    stack.append((x, False))
        self.tensors = order
        self.wiring = [None if t._inputs is None else _spec(t._inputs, index) for t in order]
        self.root_inputs = _spec(root._inputs, index)
        ref = weakref.ref(self, _forget(tuple(index)))
        for i, t in enumerate(order):
            _MEMBERS[id(t)] = (ref, i)

    def inputs(self, spec) -> tuple:
        return tuple(self.tensors[v] if kind == "t" else v for kind, v in spec)

    def __reduce__(self):
        return (_new_snapshot, (), (self.tensors, self.wiring, self.root_inputs))

    def __setstate__(self, state) -> None:
        self.tensors, self.wiring, self.root_inputs = state
        for tensor, spec in zip(self.tensors, self.wiring):
            tensor._inputs = None if spec is None else self.inputs(spec)


def _forget(ids: tuple):
    def callback(_ref):
        for key in ids:
            entry = _MEMBERS.get(key)
            if entry is not None and entry[0] is _ref:
                del _MEMBERS[key]
    return callback


def _new_snapshot() -> GraphSnapshot:
    return GraphSnapshot.__new__(GraphSnapshot)


def _rebuild(cls, names, values, snapshot, position, spec):
    """A tensor from its own fields; its inputs come from the snapshot (now, when the snapshot
    is complete, else when the snapshot is rebuilt)."""
    t = cls.__new__(cls)
    for name, value in zip(names, values):
        object.__setattr__(t, name, value)
    t._inputs = None
    if spec is not None:  # the tensor the snapshot was taken for
        t._inputs = snapshot.inputs(spec)
    elif position is not None and "tensors" in snapshot.__dict__:
        wiring = snapshot.wiring[position]
        t._inputs = None if wiring is None else snapshot.inputs(wiring)
    return t


def _reduce(t: Tensor):
    names = _fields(type(t))
    values = tuple(getattr(t, name, None) for name in names)
    if not t._inputs:
        return _rebuild, (type(t), names, values, None, None, None)
    entry = _MEMBERS.get(id(t))
    snapshot = entry[0]() if entry is not None else None
    if snapshot is not None and snapshot.tensors[entry[1]] is t:
        return _rebuild, (type(t), names, values, snapshot, entry[1], None)
    snapshot = GraphSnapshot(t)
    return _rebuild, (type(t), names, values, snapshot, None, snapshot.root_inputs)


def register(cls) -> None:
    """Copy and pickle ``cls`` (a Tensor subclass) without recursion."""
    copyreg.pickle(cls, _reduce)


register(Tensor)
