"""How many weights: a dense layer on a whole photo versus a convolutional layer.

The seeds' opening argument (d2l 5.1): a 1-megapixel photo fed to a dense layer with 1,000
hidden units needs 10⁹ weights, while a convolution needs ``k_h × k_w`` weights per pair of
input and output channels, wherever the photo is and however large it is.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

#: Bytes per weight stored as float32.
FLOAT32_BYTES = 4


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


@dataclass(frozen=True)
class LayerCounts:
    """Parameter counts of the two layers (weights and biases separately).

    Attributes
    ----------
    pixels : int
        ``height × width``.
    inputs : int
        ``pixels × channels``: the dense layer's input size.
    dense_weights, dense_biases : int
        ``inputs × hidden`` and ``hidden``.
    conv_weights, conv_biases : int
        ``channels × out_channels × kernel_h × kernel_w`` and ``out_channels``.
    """

    pixels: int
    inputs: int
    dense_weights: int
    dense_biases: int
    conv_weights: int
    conv_biases: int

    @property
    def dense_total(self) -> int:
        """Weights and biases of the dense layer."""
        return self.dense_weights + self.dense_biases

    @property
    def conv_total(self) -> int:
        """Weights and biases of the convolutional layer."""
        return self.conv_weights + self.conv_biases

    @property
    def ratio(self) -> float:
        """How many times more parameters the dense layer has."""
        return self.dense_total / self.conv_total

    @property
    def dense_bytes(self) -> int:
        """Memory for the dense layer's parameters as float32."""
        return self.dense_total * FLOAT32_BYTES

    @property
    def conv_bytes(self) -> int:
        """Memory for the convolutional layer's parameters as float32."""
        return self.conv_total * FLOAT32_BYTES


def dense_vs_conv(height: int, width: int, channels: int, hidden: int, kernel_h: int,
                  kernel_w: int, out_channels: int) -> LayerCounts:
    """Count the parameters of a dense layer and of a convolution on the same photo.

    Parameters
    ----------
    height, width, channels : int
        The photo: ``(channels, height, width)``, e.g. 1000×1000×1 or 3000×4000×3.
    hidden : int
        Hidden units of the dense layer (each sees every input value).
    kernel_h, kernel_w, out_channels : int
        The convolution: ``out_channels`` kernels of ``channels × kernel_h × kernel_w``.

    Returns
    -------
    LayerCounts

    Examples
    --------
    >>> c = dense_vs_conv(1000, 1000, 1, 1000, 3, 3, 1)
    >>> c.dense_weights, c.conv_weights
    (1000000000, 9)
    """
    height = _positive_int(height, "height")
    width = _positive_int(width, "width")
    channels = _positive_int(channels, "channels")
    hidden = _positive_int(hidden, "hidden")
    kernel_h = _positive_int(kernel_h, "kernel_h")
    kernel_w = _positive_int(kernel_w, "kernel_w")
    out_channels = _positive_int(out_channels, "out_channels")
    pixels = height * width
    inputs = pixels * channels
    return LayerCounts(pixels, inputs, inputs * hidden, hidden,
                       channels * out_channels * kernel_h * kernel_w, out_channels)


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(n: float) -> str:
    """``1_000_000_000`` → ``"10⁹"``; ``1.2e10`` → ``"1.2 × 10¹⁰"``; small numbers as they are.

    The mantissa is rounded to one decimal and kept in [1, 10): ``9.96e8`` → ``"10⁹"``, not
    ``"10.0 × 10⁸"``.
    """
    if n < 1000:
        return f"{n:g}"
    exponent = math.floor(math.log10(n))
    mantissa = round(n / 10**exponent, 1)
    if mantissa >= 10:  # 9.95… rounds up to the next power of ten
        exponent, mantissa = exponent + 1, round(mantissa / 10, 1)
    power = f"10{str(exponent).translate(_SUPERSCRIPTS)}"
    if mantissa == 1.0:
        return power
    return f"{mantissa:.1f} × {power}"


def human_bytes(n: int) -> str:
    """``4_000_000_000`` → ``"4 GB"`` (decimal units, as disks and RAM are sold)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"
