"""ONNX models: a chain of linear layers and ReLUs, read exactly from the graph.

The graph is walked from its one input to its one output. Accepted nodes:

- ``Gemm`` (Y = alpha op(A) op(B) + beta C, ``transA``, ``transB``, ``alpha``, ``beta``
  honoured) with the data as A or B and constant weights and bias;
- ``MatMul`` with a constant matrix, optionally followed by ``Add`` of a constant bias;
- ``Relu`` after each hidden linear layer;
- shape no-ops: ``Flatten`` (axis 1), ``Reshape`` to (batch, n), ``Identity``,
  ``Dropout`` (inference: the identity);
- a final ``Softmax`` or ``LogSoftmax``, dropped with a notice: exactid certifies the
  logits.

Constants are initializers or ``Constant`` nodes. Anything else (Conv, Sigmoid,
BatchNormalization, a Softmax inside the chain, a branch) is an error naming the node's
op type and name.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..network import Network
from .arrays import exact_rows
from .models import first_line, require_extra

__all__ = ["read_onnx"]

_NO_OPS = ("Identity", "Dropout")
_SHAPE_OPS = ("Flatten", "Reshape")
_FINAL = ("Softmax", "LogSoftmax")
_SUPPORTED = "exactid reads chains of Gemm, MatMul + Add and Relu"


def read_onnx(path: str | os.PathLike) -> tuple[Network, tuple[str, ...]]:
    """Return the network of an ONNX model, and what was dropped (a final Softmax).

    Raises ``InputError`` naming the file and, for an unsupported graph, the node (op
    type and name).
    """
    onnx = require_extra("onnx", "onnx", str(path))
    try:
        model = onnx.load(os.fspath(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except Exception as exc:  # protobuf DecodeError and the like: a damaged file
        raise InputError(f"{path}: not a valid ONNX model ({first_line(exc)})") from None
    return _Chain(str(path), model.graph, onnx).read()


class _Chain:
    """The walk along one graph: state of the layer being built, and the layers done."""

    def __init__(self, where: str, graph: Any, onnx: Any) -> None:
        self.where = where
        self.onnx = onnx
        self.constants = {}
        try:
            for init in graph.initializer:
                self.constants[init.name] = onnx.numpy_helper.to_array(init)
        except Exception as exc:  # missing external data, unknown data type
            raise InputError(f"{where}: cannot read initializer {init.name!r} "
                             f"({first_line(exc)})") from None
        self.nodes = []
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                self.constants[node.output[0]] = self._constant_node(node)
            else:
                self.nodes.append(node)
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise InputError(f"{where}: expected one input and one output, got "
                             f"{len(inputs)} inputs and {len(graph.output)} outputs")
        self.input, self.output = inputs[0], graph.output[0].name
        self.consumers: dict[str, list[Any]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.input):
                self.consumers.setdefault(name, []).append(node)
        self.layers: list[tuple[list[list[Fraction]], list[Fraction]]] = []
        self.pending: tuple[list[list[Fraction]], list[Fraction]] | None = None
        self.transposed = False  # the data as (features, batch), after Gemm(W, x)
        self.dropped: list[str] = []

    # ------------------------------------------------------------ the walk
    def read(self) -> tuple[Network, tuple[str, ...]]:
        current, visited = self.input.name, set()
        while current != self.output:
            users = self.consumers.get(current, [])
            if not users:
                raise InputError(f"{self.where}: the chain stops at tensor {current!r}, "
                                 f"which is not the graph output {self.output!r}")
            if len(users) > 1:
                raise InputError(f"{self.where}: tensor {current!r} feeds "
                                 f"{', '.join(map(_label, users))}: a branch ({_SUPPORTED})")
            node = users[0]
            self._step(node, current)
            visited.add(id(node))
            current = node.output[0]
        if self.consumers.get(self.output):
            raise InputError(f"{self.where}: the graph output {self.output!r} also feeds "
                             f"{', '.join(map(_label, self.consumers[self.output]))}")
        stray = [n for n in self.nodes if id(n) not in visited]
        if stray:
            raise InputError(f"{self.where}: {_label(stray[0])} is not on the chain from "
                             f"the input to the output ({_SUPPORTED})")
        if self.pending is None:
            raise InputError(f"{self.where}: " + ("no linear layer" if not self.layers else
                             "the model ends with Relu; exactid's output layer is affine"))
        self.layers.append(self.pending)
        net = self._network()
        self._check_input_shape(net)
        return net, tuple(self.dropped)

    def _step(self, node: Any, data: str) -> None:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise InputError(f"{self.where}: unsupported {_label(node)} of domain "
                             f"{node.domain!r} ({_SUPPORTED})")
        if op in _NO_OPS:
            return
        if op in _SHAPE_OPS:
            self._shape_op(node)
        elif op == "Gemm":
            self._linear(node, *self._gemm(node, data))
        elif op == "MatMul":
            self._linear(node, *self._matmul(node, data))
        elif op == "Add":
            self._add(node, data)
        elif op == "Relu":
            if self.pending is None:
                raise InputError(f"{self.where}: {_label(node)} does not follow a linear "
                                 "layer")
            self.layers.append(self.pending)
            self.pending = None
        elif op in _FINAL and node.output[0] == self.output and self.pending is not None:
            self.dropped.append(f"final {_label(node)} (exactid certifies the logits)")
        else:
            inside = " inside the chain" if op in _FINAL else ""
            raise InputError(f"{self.where}: unsupported {_label(node)}{inside} ({_SUPPORTED})")

    # ------------------------------------------------------------ node kinds
    def _shape_op(self, node: Any) -> None:
        if self.transposed:
            raise InputError(f"{self.where}: {_label(node)} on data laid out (features, "
                             "batch) is not supported")
        if node.op_type == "Flatten":
            axis = self._attributes(node).get("axis", 1)
            if axis != 1:
                raise InputError(f"{self.where}: {_label(node)} with axis={axis}; only axis=1 "
                                 "(one vector per sample) is supported")
            return
        shape = self._constant(node, 1).reshape(-1)
        if len(shape) != 2:
            raise InputError(f"{self.where}: {_label(node)} to shape {shape.tolist()}; only "
                             "a reshape to (batch, n) is supported")

    def _gemm(self, node: Any, data: str) -> tuple[np.ndarray, np.ndarray | None, Fraction,
                                                    Fraction]:
        """(W as (out, in), the constant C or None, alpha, beta) of a Gemm node."""
        attr = self._attributes(node)
        alpha, beta = Fraction(attr.get("alpha", 1.0)), Fraction(attr.get("beta", 1.0))
        trans_a, trans_b = attr.get("transA", 0), attr.get("transB", 0)
        c = self._constant(node, 2) if len(node.input) > 2 and node.input[2] else None
        if node.input[0] == data and trans_a == int(self.transposed):
            b = self._matrix(node, 1)
            return (b if trans_b else b.T), c, alpha, beta  # op(B) is (in, out)
        if node.input[1] == data and trans_b == int(not self.transposed):
            a = self._matrix(node, 0)
            self.transposed = True  # Y = op(A) op(x) is (out, batch)
            return (a.T if trans_a else a), c, alpha, beta
        raise InputError(f"{self.where}: {_label(node)} with transA={trans_a}, "
                         f"transB={trans_b} does not apply a constant matrix to each sample")

    def _matmul(self, node: Any, data: str) -> tuple[np.ndarray, None, Fraction, Fraction]:
        if node.input[0] == data and not self.transposed:
            return self._matrix(node, 1).T, None, Fraction(1), Fraction(1)
        if node.input[1] == data and self.transposed:
            return self._matrix(node, 0), None, Fraction(1), Fraction(1)
        raise InputError(f"{self.where}: {_label(node)} does not multiply each sample by a "
                         "constant matrix")

    def _linear(self, node: Any, w: np.ndarray, c: np.ndarray | None, alpha: Fraction,
                beta: Fraction) -> None:
        if self.pending is not None:
            raise InputError(f"{self.where}: {_label(node)} follows a linear layer without "
                             "a Relu between them")
        rows = exact_rows(w, f"{self.where}: weight of {_label(node)}")
        weight = [[alpha * v for v in row] for row in rows]
        bias = [Fraction(0)] * len(weight)
        self.pending = (weight, bias)
        if c is not None:
            self._add_bias(node, c, beta)

    def _add(self, node: Any, data: str) -> None:
        if self.pending is None:
            raise InputError(f"{self.where}: {_label(node)} does not follow a linear layer "
                             f"({_SUPPORTED})")
        other = 1 if node.input[0] == data else 0
        self._add_bias(node, self._constant(node, other), Fraction(1))

    def _add_bias(self, node: Any, c: np.ndarray, scale: Fraction) -> None:
        assert self.pending is not None
        weight, bias = self.pending
        n = len(weight)
        shape = (n, 1) if self.transposed else (1, n)
        try:
            c = np.broadcast_to(c, shape).reshape(-1)
        except ValueError:
            raise InputError(f"{self.where}: the bias of {_label(node)} has shape "
                             f"{c.shape}, which does not broadcast to {shape}") from None
        values = exact_rows(c, f"{self.where}: bias of {_label(node)}")[0]
        self.pending = (weight, [b + scale * v for b, v in zip(bias, values)])

    # ------------------------------------------------------------ helpers
    def _constant(self, node: Any, k: int) -> np.ndarray:
        name = node.input[k] if k < len(node.input) else ""
        if name not in self.constants:
            raise InputError(f"{self.where}: input {k} ({name!r}) of {_label(node)} is not a "
                             f"constant ({_SUPPORTED})")
        return self.constants[name]

    def _matrix(self, node: Any, k: int) -> np.ndarray:
        m = self._constant(node, k)
        if m.ndim != 2:
            raise InputError(f"{self.where}: the weight of {_label(node)} has shape "
                             f"{m.shape}, expected a matrix")
        return m

    def _attributes(self, node: Any) -> dict[str, Any]:
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}

    def _constant_node(self, node: Any) -> np.ndarray:
        attr = self._attributes(node)
        if len(attr) != 1 or "sparse_value" in attr:
            raise InputError(f"{self.where}: unsupported {_label(node)} (expected one dense "
                             "value)")
        value = next(iter(attr.values()))
        if isinstance(value, self.onnx.TensorProto):
            return self.onnx.numpy_helper.to_array(value)
        return np.asarray(value)

    def _network(self) -> Network:
        ws = tuple(tuple(tuple(row) for row in w) for w, _ in self.layers)
        bs = tuple(tuple(b) for _, b in self.layers)
        try:
            return Network(ws, bs)
        except InputError as exc:
            raise InputError(str(exc).replace("network:", f"{self.where}:", 1)) from None

    def _check_input_shape(self, net: Network) -> None:
        dims = self.input.type.tensor_type.shape.dim
        if len(dims) < 2 or not all(d.HasField("dim_value") for d in dims[1:]):
            return
        features = math.prod(d.dim_value for d in dims[1:])
        if features != net.n_inputs:
            raise InputError(f"{self.where}: input {self.input.name!r} has "
                             f"{features} features per sample, but the first layer takes "
                             f"{net.n_inputs}")


def _label(node: Any) -> str:
    """How an error names a node: op type and name (or its output when unnamed)."""
    name = node.name or f"(unnamed, output {node.output[0]!r})"
    return f"{node.op_type} node {name!r}" if node.name else f"{node.op_type} node {name}"
