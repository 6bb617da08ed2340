"""A user's own model: ``print(model)`` text + ``torch.save(model.state_dict(), path)`` bytes.

:func:`load_user_model` does everything the "Whole network" page needs before it swaps
models, and refuses with one sentence (a ``ValueError``) when anything is wrong, so that the
page can keep the previous model: the file too large, empty, truncated, a whole pickled
model or another object instead of a state dict (``convcore.network.load_state_dict``,
``torch.load(..., weights_only=True)``: code is never unpickled); text that is not a
supported ``nn.Sequential`` printout or tensors that do not match it
(``convcore.network.from_pytorch``); an input size the network cannot take; a network too
large to draw. Then it runs one input through convcore and through PyTorch and keeps the
largest difference. Never imports Streamlit; PyTorch only inside the functions that load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from convcore.lenet import as_network_input
from convcore.network import Network, compare_with_pytorch, from_pytorch, load_state_dict

#: Largest state-dict file accepted (a 10 M-parameter float32 model is about 40 MB).
MAX_MODEL_MB = 50
#: Largest input side a user may ask for.
MAX_INPUT_SIDE = 128


class ModelLoadError(ValueError):
    """Why a model was refused: ``kind`` (one of :data:`ERROR_KINDS`) and ``detail``
    (convcore's own sentence, or "")."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


#: The kinds of refusal, each with its sentence on the page.
ERROR_KINDS = ("no_text", "no_file", "file", "mismatch", "size", "input", "too_large")


@dataclass(frozen=True, eq=False)
class UserModel:
    """A user's model, ready to draw.

    Attributes
    ----------
    network : Network
    text : str
        The printout it was read from.
    file_name : str
    digest : str
        MD5 of the state-dict bytes (to tell two uploads apart).
    input_shape : (int, int, int)
        ``(C, H, W)`` it is fed.
    largest_difference : float
        Largest ``|convcore − PyTorch|`` over every layer's activation for the check input.
    """

    network: Network
    text: str
    file_name: str
    digest: str
    input_shape: tuple[int, int, int]
    largest_difference: float


def input_shape_for(network: Network, side: int) -> tuple[int, int, int]:
    """``(C, side, side)``: the channels the network's first layer wants (1 if none says)."""
    channels = network.in_channels or 1
    return int(channels), int(side), int(side)


def picture_as_input(picture: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """A grayscale picture ``(H, W)`` as an input of ``shape`` (the gray copied into every
    channel), like the data: see ``convcore.lenet.as_network_input``."""
    c, h, w = shape
    one = as_network_input(picture, size=h) if h == w else None
    if one is None:
        raise ValueError(f"the input must be square, not {h}×{w}")
    return np.repeat(one, c, axis=0)


def load_user_model(text: str, data: bytes, file_name: str, side: int) -> UserModel:
    """Read, check and verify a user's model.

    Parameters
    ----------
    text : str
        ``print(model)`` of an ``nn.Sequential``.
    data : bytes
        The file ``torch.save(model.state_dict(), path)`` wrote.
    file_name : str
    side : int
        The input's height and width.

    Raises
    ------
    ModelLoadError
        Its ``kind`` says what is wrong, its ``detail`` convcore's sentence: "file" (too
        large, empty, truncated, a whole model, not a state dict), "mismatch" (the text is
        not a supported printout, or the tensors do not fit it), "input" (the network cannot
        take a ``side × side`` input), "too_large" (too large to draw).
    """
    if not text or not text.strip():
        raise ModelLoadError("no_text")
    if not data:
        raise ModelLoadError("no_file")
    if isinstance(side, bool) or not isinstance(side, int) or not 1 <= side <= MAX_INPUT_SIDE:
        raise ModelLoadError("size")
    try:
        state = load_state_dict(data, max_bytes=MAX_MODEL_MB * 2**20)
    except ValueError as err:
        raise ModelLoadError("file", str(err)) from None
    try:
        network = from_pytorch(text.strip(), state)
    except ValueError as err:
        raise ModelLoadError("mismatch", str(err)) from None
    shape = input_shape_for(network, side)
    try:
        why = network.too_large_to_draw(shape)
    except ValueError as err:
        raise ModelLoadError("input", str(err)) from None
    if why is not None:
        raise ModelLoadError("too_large", why)
    check = np.random.default_rng(0).random(shape).astype(network.dtype)
    difference = max(compare_with_pytorch(network, check), default=0.0)
    digest = hashlib.md5(bytes(data), usedforsecurity=False).hexdigest()
    return UserModel(network, text.strip(), str(file_name), digest, shape, float(difference))
