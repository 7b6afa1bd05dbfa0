import io
from pathlib import Path

import pytest
from PIL import Image

from tools.make_images import INTEGRATIONS, author_image, integration_image

PACK = Path(__file__).resolve().parent.parent / "Packs" / "VectraRUX"


def test_author_image_is_the_drawn_one_and_fits_the_marketplace_limits():
    data = (PACK / "Author_image.png").read_bytes()
    assert data == author_image()
    assert Image.open(io.BytesIO(data)).size == (120, 50)
    assert len(data) < 4096


@pytest.mark.parametrize(("name", "label"), INTEGRATIONS.items())
def test_integration_images_are_the_drawn_ones(name, label):
    data = (PACK / "Integrations" / name / f"{name}_image.png").read_bytes()
    assert data == integration_image(label)
    assert Image.open(io.BytesIO(data)).size == (120, 50)
