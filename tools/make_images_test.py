import struct
from pathlib import Path

import pytest

from tools.make_images import author_image, integration_image

PACK = Path(__file__).resolve().parent.parent / "Packs" / "VectraRUX"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_author_image_is_the_drawn_one_and_fits_the_marketplace_limits():
    data = (PACK / "Author_image.png").read_bytes()
    assert data == author_image()
    assert png_size(data) == (120, 50)
    assert len(data) < 4096


@pytest.mark.skipif(not (PACK / "Integrations" / "VectraRUX").is_dir(), reason="the integration folder arrives with issue 4")
def test_integration_image_is_the_drawn_one():
    data = (PACK / "Integrations" / "VectraRUX" / "VectraRUX_image.png").read_bytes()
    assert data == integration_image()
    assert png_size(data) == (120, 50)
