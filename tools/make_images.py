"""Draw the pack's PNG images (author logo, integration logo) with no imaging library.

XSOAR wants both at 120x50 pixels and the author image under 4 KB. Run `python -m tools.make_images` to redraw them;
`tools/make_images_test.py` checks the committed files' size and dimensions.
"""

import struct
import sys
import zlib
from pathlib import Path

WIDTH, HEIGHT = 120, 50
ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "Packs" / "VectraRUX"

# A 5x7 pixel font, just the letters the logos use ('#' = ink).
GLYPHS = {
    "V": ["#...#", "#...#", "#...#", "#...#", ".#.#.", ".#.#.", "..#.."],
    "E": ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
    "C": [".####", "#....", "#....", "#....", "#....", "#....", ".####"],
    "T": ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
    "R": ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
    "A": [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
    "U": ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
    "X": ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
    " ": [".....", ".....", ".....", ".....", ".....", ".....", "....."],
}

Color = tuple[int, int, int, int]
TRANSPARENT: Color = (0, 0, 0, 0)
NAVY: Color = (19, 38, 77, 255)
TEAL: Color = (0, 163, 173, 255)


class Canvas:
    def __init__(self, width: int = WIDTH, height: int = HEIGHT, background: Color = TRANSPARENT):
        self.width, self.height = width, height
        self.pixels = [[background] * width for _ in range(height)]

    def fill_rect(self, x: int, y: int, w: int, h: int, color: Color) -> None:
        for row in range(max(0, y), min(self.height, y + h)):
            for col in range(max(0, x), min(self.width, x + w)):
                self.pixels[row][col] = color

    def text(self, x: int, y: int, text: str, scale: int, color: Color, spacing: int = 1) -> None:
        for char in text:
            for row, line in enumerate(GLYPHS[char]):
                for col, ink in enumerate(line):
                    if ink == "#":
                        self.fill_rect(x + col * scale, y + row * scale, scale, scale, color)
            x += (5 + spacing) * scale

    def chevron(self, x: int, y: int, size: int, color: Color) -> None:
        """A right-pointing chevron: the 'signal' mark."""
        for step in range(size):
            self.fill_rect(x + step, y + step, 3, 2, color)
            self.fill_rect(x + step, y + 2 * size - step - 2, 3, 2, color)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + b"".join(struct.pack("4B", *pixel) for pixel in row) for row in self.pixels)

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 6, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def author_image() -> bytes:
    canvas = Canvas()
    canvas.chevron(4, 11, 14, TEAL)
    canvas.text(26, 18, "VECTRA", 2, NAVY, spacing=2)
    canvas.fill_rect(26, 36, 88, 2, TEAL)
    return canvas.png()


def integration_image() -> bytes:
    canvas = Canvas()
    canvas.chevron(4, 5, 20, TEAL)
    canvas.text(30, 6, "VECTRA", 2, NAVY, spacing=2)
    canvas.text(30, 28, "RUX", 2, TEAL, spacing=2)
    return canvas.png()


def main() -> None:
    (PACK / "Author_image.png").write_bytes(author_image())
    integration_dir = PACK / "Integrations" / "VectraRUX"
    if integration_dir.is_dir():
        (integration_dir / "VectraRUX_image.png").write_bytes(integration_image())
    sys.stdout.write("images written\n")


if __name__ == "__main__":
    main()
