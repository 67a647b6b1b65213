"""Frames from exported videos for the README: pixel vs perceptual loss, and the GAN games.

xvfb-run -s "-screen 0 1920x1080x24" python packaging/readme_frames.py resources/screenshots
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from fogwalk.render.context import create_application


def last_frame(scenario: str, folder: Path, **settings) -> np.ndarray:
    """Export a few frames of a shipped scenario as PNGs and return the last one."""
    import dataclasses

    from fogwalk.core.resources import resource_path
    from fogwalk.core.scenario import load_scenario
    from fogwalk.render.exporter import export_video

    scene, video = load_scenario(resource_path("scenarios", f"{scenario}.toml"))
    video = dataclasses.replace(video, **settings)
    target = folder / scenario
    export_video(scene, video, target, overwrite=True)
    return np.asarray(Image.open(sorted(target.iterdir())[-1]).convert("RGB"))


def main(out: str) -> None:
    create_application()
    out_dir = Path(out)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        size = {"width": 640, "height": 420, "frames": 4, "last_step": 150, "camera": "follow"}
        pair = [last_frame(name, work, **size) for name in ("pixel_loss", "perceptual_loss")]
        Image.fromarray(np.concatenate(pair, axis=1)).save(out_dir / "pixel_vs_perceptual.png")
        games = last_frame(
            "gan_games",
            work,
            width=960,
            height=540,
            frames=4,
            last_step=120,
            title="x·y: descent-ascent spirals out; the fixes settle",
        )
        Image.fromarray(games).save(out_dir / "gan_games.png")


if __name__ == "__main__":
    main(sys.argv[1])
