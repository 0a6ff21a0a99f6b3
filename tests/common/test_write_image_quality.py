import numpy as np

from rib.frames import read_image, write_image


def test_jpeg_quality_changes_size_and_png_ignores_it(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    write_image(tmp_path / "high.jpg", image)
    write_image(tmp_path / "low.jpg", image, jpeg_quality=40)
    assert (tmp_path / "low.jpg").stat().st_size < (tmp_path / "high.jpg").stat().st_size
    write_image(tmp_path / "a.png", image, jpeg_quality=40)
    assert np.array_equal(read_image(tmp_path / "a.png"), image)
