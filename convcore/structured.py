"""Structured outputs and inputs of any size (Goodfellow 9.6–9.7).

A convolutional layer slides one small kernel over whatever it is given, so the
convolutional part of a network runs on an image of any size and its feature maps grow
with it; a dense (``Linear``) layer has one weight per input value and takes exactly the
size it was trained on. Three ways around that:

- :func:`convolutional_part` — stop before the first ``Flatten``/``Linear``: feature maps
  of any size;
- global average pooling (``AdaptiveAvgPool2d(1)`` before the classifier, as in
  ``convcore.lenet.GAP_TEXT``): every map is averaged to one number, whatever its size;
  :func:`gap_class_maps` gives the maps before the average — where each class was seen;
- :func:`convolutionalize` — each dense layer rewritten as the convolution it is on the
  training size (the first with the feature map's size as its kernel, the others 1×1): run
  on a larger image, the network gives one class-score vector per position, exactly what
  sliding the original network over the image in steps of its total stride gives (when the
  convolutional part has no padding; with padding, the window sees the real neighbours
  where a cropped image would see zeros). :func:`sliding_window_outputs` is that slow
  reference; :func:`class_map` and :func:`pixel_class_map` turn the scores into a map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from convcore.network import ELEMENTWISE_KINDS, Network, network_from_layers, softmax

__all__ = [
    "ClassMap",
    "class_map",
    "convolutional_part",
    "convolutionalize",
    "gap_class_maps",
    "pixel_class_map",
    "sliding_window_outputs",
    "total_stride",
]

_HEAD_KINDS = ("Flatten", "Linear", "AdaptiveAvgPool2d")


def convolutional_part(network: Network) -> Network:
    """The layers before the first ``Flatten``, ``Linear`` or ``AdaptiveAvgPool2d``."""
    for index, layer in enumerate(network.layer_list):
        if layer.kind in _HEAD_KINDS:
            return network.slice(0, index)
    return network.slice(0)


def total_stride(network: Network) -> tuple[int, int]:
    """The product of the strides of the convolutional part: how far apart (in input pixels)
    two neighbouring cells of its last feature map look."""
    rows = cols = 1
    for layer in convolutional_part(network).layer_list:
        if layer.kind in ("Conv2d", "MaxPool2d", "AvgPool2d"):
            sh, sw = layer.options["stride"]
            rows, cols = rows * sh, cols * sw
    return rows, cols


def convolutionalize(network: Network, input_hw) -> Network:
    """The same function as a fully convolutional network.

    The convolutional part is kept; a ``Flatten`` followed by ``Linear`` layers (with
    value-by-value layers between them, and an optional final ``Softmax``) becomes
    ``Conv2d`` layers: the first ``Linear`` a convolution whose kernel covers the whole
    ``(C, h, w)`` feature map the training size gives, the next ones 1×1 convolutions. On an
    input of ``input_hw`` the result is the original output as ``(classes, 1, 1)``.

    Parameters
    ----------
    network : Network
    input_hw : (int, int)
        The input size the network was built for.

    Raises
    ------
    ValueError
        The head is not Flatten + Linear layers, or the first Linear does not match the
        feature maps of ``input_hw``.
    """
    conv = convolutional_part(network)
    channels = network.in_channels or 1
    h, w = (int(v) for v in input_hw)
    maps = conv.output_shapes((channels, h, w))
    c, fh, fw = maps[-1] if maps else (channels, h, w)
    head = network.layer_list[len(conv):]
    if not head or head[0].kind != "Flatten" or head[0].options["start_dim"] != 1 \
            or head[0].options["end_dim"] != -1:
        raise ValueError("convolutionalize needs the convolutional part followed by "
                         "Flatten(start_dim=1, end_dim=-1) and Linear layers")
    specs = [(layer.kind, layer.args, dict(layer.options), dict(layer.tensors))
             for layer in conv.layer_list]
    first = True
    for layer in head[1:]:
        if layer.kind == "Linear":
            weight = np.asarray(layer.tensors["weight"])
            n_out, n_in = weight.shape
            if first:
                if n_in != c * fh * fw:
                    raise ValueError(
                        f"the first Linear takes {n_in} values, but a {h}×{w} input gives "
                        f"{c}×{fh}×{fw} = {c * fh * fw}")
                kernel = weight.reshape(n_out, c, fh, fw)
                c_in = c
            else:
                kernel = weight.reshape(n_out, n_in, 1, 1)
                c_in = n_in
            first = False
            tensors = {"weight": kernel}
            if "bias" in layer.tensors:
                tensors["bias"] = np.asarray(layer.tensors["bias"])
            specs.append(("Conv2d", (c_in, n_out),
                          {"kernel_size": kernel.shape[2:], "bias": "bias" in tensors},
                          tensors))
        elif layer.kind in ELEMENTWISE_KINDS:
            specs.append((layer.kind, layer.args, dict(layer.options), {}))
        elif layer.kind == "Softmax" and layer is head[-1]:
            specs.append(("Softmax", (), {"dim": 1}, {}))  # over the class channels
        else:
            raise ValueError(f"convolutionalize cannot rewrite layer {layer.label}: only "
                             f"Linear layers and value-by-value layers may follow the Flatten")
    return network_from_layers(specs, dtype=network.dtype)


def sliding_window_outputs(network: Network, image, input_hw, stride) -> np.ndarray:
    """The network's output for every ``input_hw`` crop of ``image``, ``stride`` apart.

    The slow, obvious reference for :func:`convolutionalize`.

    Parameters
    ----------
    image : array_like, (C, H, W)
    input_hw, stride : (int, int)

    Returns
    -------
    np.ndarray
        ``(outputs, rows, cols)``: the (flattened) output of the crop whose top-left corner
        is ``(row · stride_h, col · stride_w)``.
    """
    x = np.asarray(image)
    if x.ndim != 3:
        raise ValueError(f"the image must be (C, H, W), got shape {x.shape}")
    (h, w), (sh, sw) = (tuple(int(v) for v in input_hw), tuple(int(v) for v in stride))
    if x.shape[1] < h or x.shape[2] < w:
        raise ValueError(f"the {x.shape[1]}×{x.shape[2]} image is smaller than one "
                         f"{h}×{w} window")
    rows = (x.shape[1] - h) // sh + 1
    cols = (x.shape[2] - w) // sw + 1
    crops = np.stack([x[:, r * sh:r * sh + h, c * sw:c * sw + w]
                      for r in range(rows) for c in range(cols)])
    out = network(crops).reshape(rows * cols, -1)
    return out.T.reshape(-1, rows, cols)


@dataclass(frozen=True)
class ClassMap:
    """Class scores at every position of a larger image.

    Attributes
    ----------
    scores : np.ndarray
        ``(classes, rows, cols)`` the network's output for the window at each position.
    probabilities : np.ndarray
        ``(classes, rows, cols)`` softmax over the classes (the scores themselves when the
        network ends with a Softmax).
    stride : (int, int)
        Pixels between neighbouring positions.
    window : (int, int)
        The input size the network was trained on: the window each position sees.
    """

    scores: np.ndarray
    probabilities: np.ndarray
    stride: tuple[int, int]
    window: tuple[int, int]

    @property
    def best(self) -> np.ndarray:
        """``(rows, cols)`` the most probable class at each position."""
        return self.probabilities.argmax(axis=0)

    def window_box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)`` (inclusive) of the window behind position
        ``(row, col)``, in image pixels."""
        top, left = row * self.stride[0], col * self.stride[1]
        return top, left, top + self.window[0] - 1, left + self.window[1] - 1


def class_map(network: Network, image, input_hw) -> ClassMap:
    """Slide ``network`` over ``image`` at its total stride, computed as one convolutional
    pass of :func:`convolutionalize`.

    Parameters
    ----------
    network : Network
        A convolutional part, Flatten and Linear layers (like the built-in LeNet).
    image : array_like, (C, H, W)
        At least ``input_hw``.
    input_hw : (int, int)
        The size the network was trained on.
    """
    full = convolutionalize(network, input_hw)
    scores = np.asarray(full(np.asarray(image)), dtype=np.float64)
    ends_in_softmax = network.layer_list[-1].kind == "Softmax"
    probabilities = scores if ends_in_softmax else softmax(scores, axis=0)
    window = tuple(int(v) for v in input_hw)
    return ClassMap(scores, probabilities, total_stride(network), window)


def pixel_class_map(cmap: ClassMap, image_hw) -> np.ndarray:
    """Per-pixel class probabilities: every pixel gets the mean of the probabilities of the
    windows that contain it (pixels no window reaches get NaN).

    Returns
    -------
    np.ndarray
        ``(classes, H, W)``.
    """
    h, w = (int(v) for v in image_hw)
    k, rows, cols = cmap.probabilities.shape
    total = np.zeros((k, h, w))
    count = np.zeros((h, w))
    for r in range(rows):
        for c in range(cols):
            top, left, bottom, right = cmap.window_box(r, c)
            total[:, top:bottom + 1, left:right + 1] += cmap.probabilities[:, r, c, None, None]
            count[top:bottom + 1, left:right + 1] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / np.where(count > 0, count, math.nan)


def gap_class_maps(network: Network, image) -> tuple[np.ndarray, np.ndarray]:
    """For a network with global average pooling: the maps that are averaged, and the result.

    Returns
    -------
    maps : np.ndarray
        ``(classes, h, w)`` the input of the ``AdaptiveAvgPool2d(1)`` layer for ``image``
        (``h, w`` grow with the image).
    scores : np.ndarray
        ``(classes,)`` the network's output.
    """
    index = next((k for k, layer in enumerate(network.layer_list)
                  if layer.kind == "AdaptiveAvgPool2d"
                  and layer.options["output_size"] == (1, 1)), None)
    if index is None:
        raise ValueError("the network has no global average pooling layer "
                         "(AdaptiveAvgPool2d(output_size=1))")
    activations = network.forward(np.asarray(image))
    maps = activations[index - 1] if index > 0 else np.asarray(image)
    return np.asarray(maps), np.asarray(activations[-1]).ravel()
