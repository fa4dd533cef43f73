"""Chart images as small PNGs: a matplotlib figure rendered once and written as a palette PNG.

The kit's charts are flat colours, grey text and anti-aliased edges: a few thousand distinct
colours at most, which 256 palette entries show without a visible difference at 100%
(`python benchmarks/bench_charts.py --sizes` prints each chart's bytes, encoding time and pixel
error). A palette PNG is about a third of the size of the RGBA one matplotlib writes, so pages,
executed notebooks, the note's HTML and Word files shrink with it. Pillow (matplotlib's own
dependency) does the work: no optimiser binary or extra package to install.
"""

from __future__ import annotations

import io

from PIL import Image

__all__ = ["PALETTE_COLOURS", "figure_pixels", "figure_png", "palette_png"]

PALETTE_COLOURS = 256
COMPRESS_LEVEL = 6  # zlib level: 9 is ~6x slower for ~5% less


def palette_png(image: Image.Image) -> bytes:
    """`image` as a palette PNG of at most 256 colours (Pillow's octree quantiser), without
    dithering, its background colour kept exact.

    The octree is the fastest of Pillow's quantisers; it gives each colour the mean of its
    cell, which would turn a white background into (254, 254, 254) beside the page's white, so
    the palette entry of the background (the corner pixel: a chart's face) is set back to the
    exact colour. Elsewhere it is off by a level or two of 255 on flat fills and more only on
    anti-aliased edges (`benchmarks/bench_charts.py --sizes` prints the error). No dithering:
    its noise on flat fills costs bytes and shows."""
    rgb = image.convert("RGB")
    indexed = rgb.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE,
                           dither=Image.Dither.NONE)  # fmt: skip
    entry = indexed.getpixel((0, 0))
    palette = indexed.getpalette()
    palette[3 * entry: 3 * entry + 3] = rgb.getpixel((0, 0))
    indexed.putpalette(palette)
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", compress_level=COMPRESS_LEVEL)
    return buffer.getvalue()


def figure_pixels(fig, dpi: float) -> Image.Image:
    """A matplotlib figure rendered at `dpi` as an RGBA image (opaque: the charts' face is
    white)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=dpi)
    width, height = (int(round(side * dpi)) for side in fig.get_size_inches())
    return Image.frombuffer("RGBA", (width, height), buffer.getvalue(), "raw", "RGBA", 0, 1)


def figure_png(fig, dpi: float) -> bytes:
    """A matplotlib figure rendered at `dpi` as a palette PNG."""
    return palette_png(figure_pixels(fig, dpi))
