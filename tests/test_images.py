"""Palette PNGs of the charts (helpers.images): exact where 256 colours suffice, close where not."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from helpers import images  # noqa: E402


def _decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_few_colours_are_kept_exactly():
    pixels = np.zeros((40, 60, 3), dtype=np.uint8)
    pixels[:, :20] = (255, 255, 255)
    pixels[:, 20:40] = (31, 119, 180)  # a chart blue
    pixels[10:12, :] = (230, 230, 230)  # a grid line
    png = images.palette_png(Image.fromarray(pixels, "RGB"))
    decoded = _decoded(png)
    assert decoded.mode == "P" and len(decoded.getcolors()) == 4
    assert np.array_equal(np.asarray(decoded.convert("RGB")), pixels)


def test_a_white_background_stays_white():
    """Near-white greys and reds on white, more than 256 colours: the background (the corner
    pixel) is kept exactly although its octree cell holds near-whites too."""
    r = 200 + np.arange(300) % 56
    pixels = np.full((200, 300, 3), 255, dtype=np.uint8)
    pixels[100:150] = np.stack([r, r, r], axis=-1)[None, :, :]  # greys up to 254
    pixels[150:160, :, 0] = np.arange(300) % 200  # and some reds: more than 256 colours
    decoded = np.asarray(_decoded(images.palette_png(Image.fromarray(pixels, "RGB")))
                         .convert("RGB"))  # fmt: skip
    assert np.array_equal(decoded[:100], pixels[:100]) and (decoded[170:] == 255).all()


def test_many_colours_become_256_close_ones():
    # 64 x 64 distinct colours: more than a palette holds
    r, g = np.meshgrid(np.arange(0, 256, 4), np.arange(0, 256, 4))
    pixels = np.stack([r, g, np.full_like(r, 128)], axis=-1).astype(np.uint8)
    decoded = _decoded(images.palette_png(Image.fromarray(pixels, "RGB")))
    assert decoded.mode == "P" and len(decoded.getcolors(1 << 16)) <= 256
    error = np.abs(np.asarray(decoded.convert("RGB"), dtype=float) - pixels)
    assert error.mean() < 4  # a 4-step gradient; octree cells are 8-16 steps wide


def test_figure_png_has_the_figure_size_at_dpi_and_is_smaller():
    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.plot(range(10), [x * x for x in range(10)])
    ax.set_title("A chart")
    rgba = io.BytesIO()
    fig.savefig(rgba, format="png", dpi=200)
    png = images.figure_png(fig, 200)
    plt.close(fig)
    decoded = _decoded(png)
    assert decoded.size == (1000, 500) and decoded.mode == "P"
    reference = _decoded(rgba.getvalue()).convert("RGB")
    error = np.abs(np.asarray(decoded.convert("RGB"), dtype=float)
                   - np.asarray(reference, dtype=float))  # fmt: skip
    assert error.mean() < 1.5 and len(png) < len(rgba.getvalue()) / 2
