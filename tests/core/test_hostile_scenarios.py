"""Hostile scenarios and sizes: each is refused at once, in one line naming the key and why."""

from pathlib import Path

import pytest

from fogwalk.core import session, sizes
from fogwalk.core.defaults import MAX_FRAMES, SCENARIO_MAX_BYTES
from fogwalk.core.errors import FogwalkError
from fogwalk.core.export import VideoSettings
from fogwalk.core.scenario import load_scenario
from fogwalk.core.scene import Fog, Hiker, Scene, parse_color

HEADER = "schema_version = 1\n"
TWO_HIKERS = '[[hikers]]\noptimizer = "adam"\n[[hikers]]\noptimizer = "sgd"\n'


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hostile.toml"
    path.write_text(text)
    with pytest.raises(FogwalkError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    assert str(path) in message
    return message


@pytest.mark.parametrize("colour", ["not a colour", "javascript:alert(1)", "#12345", "#gggggg"])
def test_a_hiker_colour_that_is_no_colour_is_refused_with_its_key(tmp_path, colour):
    text = HEADER + TWO_HIKERS + f'[[hikers]]\noptimizer = "sgd"\ncolor = "{colour}"\n'
    message = refusal(tmp_path, text)
    assert f"hikers[2].color: {colour!r} is not a colour such as '#" in message


def test_a_fog_colour_that_is_no_colour_is_refused_with_its_key(tmp_path):
    message = refusal(tmp_path, HEADER + '[fog]\ncolor = "javascript:alert(1)"\n')
    assert "fog.color: 'javascript:alert(1)' is not a colour" in message


def test_colours_are_hex_or_named_and_come_out_as_hex():
    assert parse_color("#FF5A36") == "#ff5a36"
    assert parse_color("#f0a") == "#ff00aa"
    assert parse_color("Red") == "#ff0000"
    assert Hiker("adam", "navy").color == "#000080"
    assert Fog(color="white").color == "#ffffff"
    with pytest.raises(FogwalkError, match="is not a colour"):
        Hiker("adam", "rgb(1,2,3)")


def test_nesting_twenty_thousand_deep_is_refused_not_a_recursion_error(tmp_path):
    depth = 20_000
    message = refusal(tmp_path, HEADER + "x = " + "[" * depth + "]" * depth + "\n")
    assert "nests arrays or tables too deeply" in message


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    message = refusal(tmp_path, HEADER + "# padding\n" * (SCENARIO_MAX_BYTES // 10 + 1))
    assert "a scenario file is at most 1024 kB" in message


def test_a_device_or_a_folder_is_not_read_as_a_scenario(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(FogwalkError, match="is not a regular file"):
        load_scenario(folder)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[start]\npoints = ["12"]\n',
            "start.points must be a list of [x, y] pairs of finite numbers; "
            "start.points[0] is '12'",
        ),
        ("[start]\npoints = [[1, nan]]\n", "start.points[0] is [1, nan]"),
        ("[surface]\ndomain = [1, 0, 0, 1]\n", "surface.domain must be [xmin, xmax, ymin, ymax]"),
        ("[surface]\ndomain = [0, 1, 0, inf]\n", "surface.domain must be"),
        ("[playback]\nspeed = nan\n", "playback.speed: speed must be in [0.5, 5000]"),
        ("[start]\nsteps = 0\n", "start.steps: steps must be at least 1"),
        ("[fog]\nradius = inf\n", "[fog]: fog radius must be in"),
        ("[export]\nwidth = 100000000000000\n", "[export]: video size 100000000000000x720"),
        ("[export]\nfps = nan\n", "[export]: frame rate nan is out of range"),
        ("[export]\nsteps_per_frame = 9223372036854775807\n", "steps_per_frame = 9,223,"),
        ('[export]\ntitle = "' + "t" * 5000 + '"\n', "the title is 5,000 characters"),
    ],
)
def test_every_field_is_checked_at_load_with_its_key(tmp_path, text, expected):
    assert expected in refusal(tmp_path, HEADER + text)


def test_a_huge_value_is_shown_short_in_the_message(tmp_path):
    long_text = "x" * 100_000
    message = refusal(tmp_path, HEADER + f'[start]\npoints = [[1, 2], ["{long_text}", 3]]\n')
    assert "start.points[1] is ['xxxx" in message
    huge = "[" * 50 + "]" * 50
    assert len(refusal(tmp_path, HEADER + f"[surface]\ndomain = {huge}\n")) < 300


# --- sizes -----------------------------------------------------------------------------------
def test_a_run_too_big_for_memory_is_refused_with_its_size_and_what_fits():
    scene = Scene(steps=10**12)  # four hikers, one walker
    with pytest.raises(FogwalkError) as caught:
        session.build_engine(scene)
    message = str(caught.value)
    assert message.startswith(
        "steps = 1,000,000,000,000 would record 160 TB for 4 hikers x 1 walker"
    )
    budget, _ = sizes.memory_budget()
    fit = int(message.split("at most ")[1].split(" steps")[0].replace(",", ""))
    assert (fit + 1) * 4 * sizes.RECORD_BYTES <= budget
    assert "use fewer steps" in message
    sizes.check_run_size(scene, steps=fit)  # what it says fits, fits


def test_int64_max_steps_and_many_starts_are_sizes_too():
    with pytest.raises(FogwalkError, match=r"steps = 9,223,372,036,854,775,807 would record"):
        session.compute_run(Scene(steps=2**63 - 1))
    starts = tuple((0.1 * i, 0.0) for i in range(100))
    with pytest.raises(FogwalkError, match="4 hikers x 100 walkers"):
        sizes.check_run_size(Scene(starts=starts, steps=10**9))


def test_an_export_of_too_many_frames_is_refused_before_the_schedule_exists():
    scene = Scene(steps=300)
    with pytest.raises(FogwalkError) as caught:
        session.export_settings(scene, VideoSettings(), frames=10**9)
    assert "a video of 1,000,000,000 frames would play 9,259.3 hours" in str(caught.value)
    assert f"at most {MAX_FRAMES:,} frames" in str(caught.value)
    fine = session.export_settings(scene, VideoSettings(), frames=MAX_FRAMES)
    assert sizes.frame_count(scene, fine) == MAX_FRAMES
