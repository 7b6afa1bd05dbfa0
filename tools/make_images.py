"""Draw the pack's PNG images (author logo, integration logos) with Pillow.

XSOAR wants them at 120x50 pixels and the author image under 4 KB. Run `python -m tools.make_images` to redraw them;
`tools/make_images_test.py` checks that the committed files are these drawings, at that size.
"""

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 120, 50
ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "Packs" / "VectraRUX"
NAVY = (19, 38, 77, 255)
TEAL = (0, 163, 173, 255)
INTEGRATIONS = {"VectraRUX": "RUX", "VectraRUXEventCollector": "XSIAM"}


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image)


def _chevron(draw: ImageDraw.ImageDraw, x: int, y: int, size: int) -> None:
    """A right-pointing chevron: the 'signal' mark."""
    draw.line([(x, y), (x + size, y + size), (x, y + 2 * size)], fill=TEAL, width=4, joint="curve")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def author_image() -> bytes:
    image, draw = _canvas()
    _chevron(draw, 6, 11, 14)
    draw.text((28, 13), "VECTRA", font=ImageFont.load_default(size=16), fill=NAVY)
    draw.rectangle([28, 36, 114, 37], fill=TEAL)
    return _png(image)


def integration_image(label: str = "RUX") -> bytes:
    image, draw = _canvas()
    _chevron(draw, 6, 5, 20)
    draw.text((32, 4), "VECTRA", font=ImageFont.load_default(size=16), fill=NAVY)
    draw.text((32, 26), label, font=ImageFont.load_default(size=16), fill=TEAL)
    return _png(image)


def main() -> None:
    (PACK / "Author_image.png").write_bytes(author_image())
    for name, label in INTEGRATIONS.items():
        (PACK / "Integrations" / name / f"{name}_image.png").write_bytes(integration_image(label))
    sys.stdout.write("images written\n")


if __name__ == "__main__":
    main()
