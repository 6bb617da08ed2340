"""The app's pages in teaching order: one registry for the router and the home page."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ui.i18n import N_

ROOT = Path(__file__).resolve().parents[1]


class PageInfo(NamedTuple):
    """One page of the app.

    Attributes
    ----------
    path : str
        The script, relative to the repository root (``"app_pages/home.py"``).
    title, icon : str
        Navigation label (English, marked for translation: show ``_(title)``) and emoji
        (emoji only: the app must work offline, and Material icons fetch a web font).
    url_path : str
    blurb : str
        One sentence for the home page (English, marked; show ``_(blurb)``).
    """

    path: str
    title: str
    icon: str
    url_path: str
    blurb: str


PAGES = (
    PageInfo("app_pages/home.py", N_("Home"), "🏠", "home",
             N_("What the app teaches and how to use it in class.")),
    PageInfo("app_pages/why_convolution.py", N_("Why convolution"), "🤔", "why_convolution",
             N_("From a dense layer to a convolution: the matrix, sharing, equivariance.")),
    PageInfo("app_pages/sliding_window.py", N_("Sliding window"), "🪟", "sliding_window",
             N_("Watch the kernel slide, multiply and add, one output cell at a time; click any "
             "cell to see its sum.")),
    PageInfo("app_pages/padding_stride.py", N_("Padding & stride"), "📐", "padding_stride",
             N_("How padding, stride and dilation set the output's shape, formula filled in.")),
    PageInfo("app_pages/channels.py", N_("Channels"), "🌈", "channels",
             N_("Several input channels add up; several kernels give several output channels.")),
    PageInfo("app_pages/pooling.py", N_("Pooling"), "🧺", "pooling",
             N_("Max, average and Lp pooling: summarise each window, shrink the map.")),
    PageInfo("app_pages/kernel_learning.py", N_("Kernel learning"), "🎓", "kernel_learning",
             N_("Gradient descent finds the edge kernel [1, −1] by itself, live.")),
    PageInfo("app_pages/your_image.py", N_("Your image"), "🖼️", "your_image",
             N_("Your own photo through a bank of kernels: feature maps at full resolution.")),
)


def existing_pages(root: Path = ROOT) -> list[PageInfo]:
    """The registered pages whose script exists, in teaching order."""
    return [page for page in PAGES if (root / page.path).is_file()]
