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
        Navigation label (English, marked for translation: show ``_(title)``) and a
        Material Symbols icon (``":material/home:"``). Streamlit serves that font itself
        (``static/media/MaterialSymbols-Rounded…woff2``), so it works offline, and unlike an
        emoji it does not need an emoji font on the machine (Debian's Chromium without one
        draws every emoji as an empty box).
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
    PageInfo("app_pages/home.py", N_("Home"), ":material/home:", "home",
             N_("What the app teaches and how to use it in class.")),
    PageInfo("app_pages/why_convolution.py", N_("Why convolution"), ":material/lightbulb:",
             "why_convolution",
             N_("From a dense layer to a convolution: the matrix, sharing, equivariance.")),
    PageInfo("app_pages/sliding_window.py", N_("Sliding window"), ":material/grid_on:",
             "sliding_window",
             N_("Watch the kernel slide, multiply and add, one output cell at a time; click any "
             "cell to see its sum.")),
    PageInfo("app_pages/padding_stride.py", N_("Padding & stride"), ":material/straighten:",
             "padding_stride",
             N_("How padding, stride and dilation set the output's shape, formula filled in.")),
    PageInfo("app_pages/channels.py", N_("Channels"), ":material/layers:", "channels",
             N_("Several input channels add up; several kernels give several output channels.")),
    PageInfo("app_pages/pooling.py", N_("Pooling"), ":material/compress:", "pooling",
             N_("Max, average and Lp pooling: summarise each window, shrink the map.")),
    PageInfo("app_pages/convolution_1d.py", N_("Convolution in 1-D"), ":material/show_chart:",
             "convolution_1d",
             N_("Convolution as a signal operation: the stomach story, 1-D sequences, 3-D "
                "clips.")),
    PageInfo("app_pages/kernel_learning.py", N_("Kernel learning"), ":material/school:",
             "kernel_learning",
             N_("Gradient descent finds the edge kernel [1, −1] by itself, live.")),
    PageInfo("app_pages/whole_network.py", N_("Whole network"), ":material/account_tree:",
             "whole_network",
             N_("A trained LeNet layer by layer: every feature map, any unit down to its sum; "
                "or your own model.")),
    PageInfo("app_pages/under_the_hood.py", N_("Under the hood"), ":material/speed:",
             "under_the_hood",
             N_("How convolution is computed fast: im2col, Fourier, separable kernels, timed "
                "here.")),
    PageInfo("app_pages/your_image.py", N_("Your image"), ":material/image:", "your_image",
             N_("Your own photo through a bank of kernels: feature maps at full resolution.")),
)


def existing_pages(root: Path = ROOT) -> list[PageInfo]:
    """The registered pages whose script exists, in teaching order."""
    return [page for page in PAGES if (root / page.path).is_file()]


HOME_PATH = "app_pages/home.py"
#: The path the default page reserves (it is served at ``/``); never shown to anyone.
DEFAULT_URL_PATH = "start"


class Route(NamedTuple):
    """One ``st.Page`` to register (``app.py`` passes the fields through)."""

    path: str
    title: str
    icon: str
    url_path: str
    default: bool
    visibility: str


def routed_pages(pages: list[PageInfo]) -> list[Route]:
    """The router's pages: every page, plus Home once more, hidden, at ``/home``.

    Streamlit serves the default page at ``/`` (its ``url_path`` only reserved), and its
    frontend answered ``/home`` (a link a teacher types, or Home's ``url_path`` as the
    registry gives it) with a "Page not found" dialog. So the listed Home reserves
    :data:`DEFAULT_URL_PATH` and a hidden twin runs the same script at ``/home``.
    """
    routes = [Route(p.path, p.title, p.icon,
                    DEFAULT_URL_PATH if p.path == HOME_PATH else p.url_path,
                    p.path == HOME_PATH, "visible")
              for p in pages]
    routes += [Route(p.path, p.title, p.icon, p.url_path, False, "hidden")
               for p in pages if p.path == HOME_PATH]
    return routes
