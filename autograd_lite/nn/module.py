"""``Module`` and ``Parameter``: the base of every layer and model.

A Module records its parameters, sub-modules and buffers (running statistics) in the order
they are assigned, so ``parameters()`` and ``state_dict()`` follow the definition order.
A sub-module takes its attribute name (or, in a ``Sequential``, a book-style name such as
``"Affine1"``); calling it runs ``forward`` inside ``ag.name_scope(name)``, so the graph
picture can draw each layer as one box. The root module opens no scope of its own.
"""

from __future__ import annotations

import numpy as np

from ..copying import register
from ..errors import InvalidArgumentError
from ..modes import SCOPE, inner_scope
from ..serialization import check_arrays, load_arrays, save_arrays
from ..tensor import Tensor

__all__ = ["Parameter", "Module"]


class Parameter(Tensor):
    """A Tensor that a Module owns and an optimizer updates: always ``requires_grad=True``.

    ``Parameter(data, name=None, dtype=None)`` copies ``data`` (ints become float64).
    """

    __slots__ = ()

    def __init__(self, data, name: str | None = None, dtype=None):
        super().__init__(data, requires_grad=True, name=name, dtype=dtype)


register(Parameter)  # copies and pickles without recursion, as for Tensor


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__`` and define
    ``forward``. Call the module (``model(x)``), not ``forward``, to get the name scope."""

    def __init__(self):
        d = self.__dict__
        d["_children"] = {}  # attribute name -> Parameter or Module, in definition order
        d["_buffers"] = {}  # attribute name -> ndarray (state that is saved but not trained)
        d["training"] = True
        d["name"] = None

    # ----- registration -------------------------------------------------------------------
    def __setattr__(self, key: str, value) -> None:
        children = self.__dict__.get("_children")
        if children is None:
            raise InvalidArgumentError(
                f"{type(self).__name__}: call super().__init__() at the top of __init__ before "
                f"setting attributes (setting {key!r})"
            )
        if isinstance(value, (Parameter, Module)):
            children[key] = value
            self._buffers.pop(key, None)
            if value.name is None:
                value.name = key
        elif key in children:
            del children[key]
        elif key in self._buffers:
            self._buffers[key] = self._as_buffer(key, value)
            value = self._buffers[key]
        object.__setattr__(self, key, value)

    def __delattr__(self, key: str) -> None:
        self._children.pop(key, None)
        self._buffers.pop(key, None)
        object.__delattr__(self, key)

    def register_buffer(self, name: str, array) -> None:
        """Keep ``array`` as ``self.<name>``: saved in ``state_dict()``, never trained."""
        if name in self._children:
            raise InvalidArgumentError(f"{type(self).__name__}: {name!r} is already a child")
        self._buffers[name] = self._as_buffer(name, array)
        object.__setattr__(self, name, self._buffers[name])

    def _as_buffer(self, name: str, array) -> np.ndarray:
        if not isinstance(array, np.ndarray):
            raise InvalidArgumentError(
                f"{type(self).__name__}: buffer {name!r} must be a numpy array, got "
                f"{type(array).__name__}"
            )
        return array

    # ----- traversal ----------------------------------------------------------------------
    def named_children(self):
        """``(name, module)`` for the direct sub-modules, in definition order."""
        for key, child in self._children.items():
            if isinstance(child, Module):
                yield key, child

    def named_modules(self, prefix: str = ""):
        """``(dotted name, module)`` for this module (name ``""``) and every sub-module."""
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            subs = [(f"{name}.{k}" if name else k, m) for k, m in module.named_children()]
            stack.extend(reversed(subs))

    def modules(self):
        return [m for _, m in self.named_modules()]

    def _walk(self):
        """``(dotted name, Parameter or buffer array)`` in definition order, depth first:
        each module's parameters and sub-modules as assigned, then its buffers. A parameter
        or module reached twice (shared) is listed once."""
        seen = {id(self)}
        stack = [("", iter(self._children.items()), self)]
        while stack:
            prefix, children, module = stack[-1]
            for key, child in children:
                if id(child) in seen:
                    continue
                seen.add(id(child))
                if isinstance(child, Parameter):
                    yield prefix + key, child
                else:
                    stack.append((f"{prefix}{key}.", iter(child._children.items()), child))
                    break
            else:
                stack.pop()
                for key, array in module._buffers.items():
                    yield prefix + key, array

    def named_parameters(self, prefix: str = ""):
        """``(dotted name, parameter)`` in definition order (``"Affine1.W"``); shared ones once.
        A ``prefix`` such as ``"model."`` is put before every name."""
        for name, item in self._walk():
            if isinstance(item, Parameter):
                yield prefix + name, item

    def parameters(self) -> list:
        """Every parameter, in definition order: pass this to an optimizer."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        """``(dotted name, array)`` for the running statistics and other saved state."""
        for name, item in self._walk():
            if not isinstance(item, Parameter):
                yield name, item

    # ----- modes and gradients ------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics) for this module and all below it."""
        for module in self.modules():
            module.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (no dropout, running statistics); the same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for p in self.parameters():
            p.grad = None

    # ----- calling ------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        name = self.name
        if name is None:
            return self.forward(*args, **kwargs)
        # What ``with name_scope(name):`` does, without a generator per layer and step.
        token = SCOPE.set(inner_scope(SCOPE.get(), name))
        try:
            return self.forward(*args, **kwargs)
        finally:
            SCOPE.reset(token)

    def forward(self, *args, **kwargs):  # pragma: no cover - contract only
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # ----- state --------------------------------------------------------------------------
    def _state_arrays(self) -> dict:
        """name -> the live array (parameter data or buffer), not a copy."""
        return {name: (item.data if isinstance(item, Parameter) else item)
                for name, item in self._walk()}

    def state_dict(self) -> dict:
        """A copy of every parameter and buffer as ``{dotted name: ndarray}``."""
        return {name: array.copy() for name, array in self._state_arrays().items()}

    def load_state_dict(self, state: dict, source: str = "state_dict") -> Module:
        """Copy ``state`` into the parameters and buffers, in place.

        Every key, shape and dtype is checked first; on any mismatch a WeightsError names
        each one and the model is left unchanged.
        """
        if not isinstance(state, dict):
            raise InvalidArgumentError(
                f"load_state_dict: state must be a dict of arrays, got {type(state).__name__}"
            )
        targets = self._state_arrays()
        ready = check_arrays(targets, state, source)
        for name, target in targets.items():
            np.copyto(target, ready[name])
        return self

    def save(self, path) -> str:
        """Write the state to ``path`` as ``.npz`` (atomically, no pickle). Returns the path."""
        return save_arrays(path, self._state_arrays())

    def load(self, path) -> Module:
        """Load a file written by :meth:`save`; on any mismatch nothing changes."""
        return self.load_state_dict(load_arrays(path), source=f"weights file {str(path)!r}")

    # ----- display ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        subs = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not subs:
            return head + ")"
        lines = [head]
        for key, module in subs:
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({key}): {body}")
        return "\n".join(lines) + "\n)"
