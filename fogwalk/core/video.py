"""Video files: RGB frames in, a complete MP4, WebM, GIF or PNG folder out, or nothing at all.

Encoding goes through the FFmpeg binary that imageio-ffmpeg bundles (a static
build with libx264 and libvpx-vp9 on every platform pip serves, no compiled
bindings to match), fed raw RGB on a pipe. :class:`VideoFile` writes
synchronously and starts no thread; the export loop in ``fogwalk.render``
feeds it from a writer thread of its own, so that drawing and encoding overlap.
On Linux the video is written into an anonymous file (O_TMPFILE) in the
target folder and linked into place only when complete: a cancelled, failed
or killed export leaves nothing behind. Elsewhere a hidden ``.part`` file is
renamed into place, and one left by a killed run is removed by the next
export to the same name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

import numpy as np

from .errors import FogwalkError
from .files import discard, open_unnamed, publish
from .processes import child_options

# extension -> (ffmpeg muxer, encoder arguments). Qualities are chosen for lecture slides:
# sharp edges on the terrain and trails, files a few MB a minute.
FORMATS: dict[str, tuple[str, list[str]]] = {
    ".mp4": (
        "mp4",
        [
            "-c:v",
            "libx264",
            "-preset",
            "fast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ],
    ),
    ".webm": (
        "webm",
        [
            "-c:v",
            "libvpx-vp9",
            "-crf",
            "32",
            "-b:v",
            "0",
            "-deadline",
            "good",
            "-cpu-used",
            "4",
            "-row-mt",
            "1",
            "-pix_fmt",
            "yuv420p",
        ],
    ),
    ".gif": (
        "gif",
        # One palette generated for the whole clip, then dithered into every frame.
        [
            "-filter_complex",
            "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a",
            "-loop",
            "0",
        ],
    ),
}
YUV_FORMATS = (".mp4", ".webm")  # yuv420p: width and height must be even


def output_kind(path: str | os.PathLike) -> str:
    """``".mp4"``, ``".webm"``, ``".gif"`` or ``"png"`` (a folder of numbered PNGs)."""
    suffix = Path(path).suffix.lower()
    if suffix in FORMATS:
        return suffix
    if suffix == "":
        return "png"
    known = ", ".join([*FORMATS, "a folder name (numbered PNGs)"])
    raise FogwalkError(f"cannot tell the video format of {path}: use {known}")


def check_size(path: str | os.PathLike, width: int, height: int) -> None:
    """Sizes every format can take; yuv420p (MP4, WebM) needs even ones."""
    if width < 16 or height < 16 or width > 7680 or height > 4320:
        raise FogwalkError(f"video size {width}x{height} is out of range (16x16 to 7680x4320)")
    if output_kind(path) in YUV_FORMATS and (width % 2 or height % 2):
        raise FogwalkError(
            f"{Path(path).suffix} video needs an even width and height (yuv420p), "
            f"got {width}x{height}: try {width + width % 2}x{height + height % 2}"
        )


def check_fps(fps: float) -> None:
    if not 0.1 <= fps <= 240:  # also NaN
        raise FogwalkError(f"frame rate {fps} is out of range (0.1 to 240)")


def check_target(path: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse to clobber an existing file unless asked, and say when the folder is missing."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FogwalkError(f"cannot write {target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise FogwalkError(f"cannot write {target}: folder {folder} is not writable")
    if target.exists() and not overwrite:
        raise FogwalkError(f"{target} already exists; pass --overwrite to replace it")
    if target.exists() and output_kind(target) == "png" and not target.is_dir():
        raise FogwalkError(f"{target} is a file, not a folder for PNG frames")
    return target


class VideoFile:
    """Write RGB frames (height, width, 3) uint8 to a video, one call each; all or nothing.

    Use as a context manager: leaving it normally finishes the file and moves
    it into place; leaving it with an exception (or calling :meth:`abort`)
    discards everything. :meth:`abort` may be called from another thread
    while :meth:`write` blocks on the encoder: it kills the encoder first.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        width: int,
        height: int,
        fps: float,
        *,
        overwrite: bool = False,
    ) -> None:
        self.kind = output_kind(path)
        check_size(path, width, height)
        check_fps(fps)
        self.target = check_target(path, overwrite)
        self.width, self.height, self.fps = width, height, fps
        self.frames = 0
        self._finished = False
        if self.kind == "png":
            try:
                self._folder = Path(
                    tempfile.mkdtemp(
                        prefix=f".{self.target.name}.", suffix=".part", dir=self.target.parent
                    )
                )
            except OSError as error:
                raise FogwalkError(f"cannot write {self.target}: {error.strerror}") from None
            umask = os.umask(0)
            os.umask(umask)
            self._folder.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result is not
            self._process: subprocess.Popen[bytes] | None = None
        else:
            self._open_encoder()

    # --- the encoder ------------------------------------------------------------------
    def _open_encoder(self) -> None:
        import imageio_ffmpeg  # only needed for encoded formats

        muxer, arguments = FORMATS[self.kind]
        handle, self._part = open_unnamed(self.target)
        self._fd: int | None = handle
        output = f"/proc/self/fd/{self._fd}" if self._part is None else str(self._part)
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-nostdin",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{self.width}x{self.height}",
            "-r",
            f"{self.fps:g}",
            "-i",
            "pipe:0",
            *arguments,
            "-r",
            f"{self.fps:g}",
            "-f",
            muxer,
            output,
        ]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the encoder)
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            pass_fds=() if self._fd is None else (self._fd,),
            **child_options(),  # its own process group, and killed if we are
        )

    def _write_one(self, frame: np.ndarray) -> None:
        if self._process is None:
            from PIL import Image

            try:
                Image.fromarray(frame).save(self._folder / f"frame_{self.frames:05d}.png")
            except OSError as error:  # a full disk, a quota, the folder removed under us
                raise FogwalkError(
                    f"cannot write {self.target}: frame {self.frames}: "
                    f"{error.strerror or error}; nothing was written"
                ) from None
        else:
            try:
                self._pipe().write(frame.tobytes())
            except (BrokenPipeError, ValueError):  # ValueError: the pipe was closed by abort()
                raise FogwalkError(
                    f"cannot write {self.target}: the encoder stopped: {self._encoder_message()}"
                ) from None
        self.frames += 1

    def _pipe(self) -> IO[bytes]:
        """The encoder's standard input (opened with it: never None)."""
        assert self._process is not None and self._process.stdin is not None
        return self._process.stdin

    def _encoder_message(self) -> str:
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip().splitlines()
        status = self._process.returncode if self._process is not None else None
        return text[-1] if text else f"ffmpeg exited with status {status}"

    # --- the public side -----------------------------------------------------------------
    def check_frame(self, frame: np.ndarray) -> np.ndarray:
        """The frame as contiguous bytes of the video's size, or a FogwalkError."""
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if frame.shape != (self.height, self.width, 3):
            raise FogwalkError(
                f"frame of shape {frame.shape} does not match the video's "
                f"{self.width}x{self.height}"
            )
        return frame

    def write(self, frame: np.ndarray) -> None:
        """Encode (or save) one frame."""
        if self._finished:
            raise FogwalkError("export cancelled")
        self._write_one(self.check_frame(frame))

    def close(self) -> Path:
        """Finish encoding and move the file into place; returns its path."""
        try:
            if self._process is not None:
                self._pipe().close()
                if self._process.wait() != 0:
                    raise FogwalkError(f"cannot write {self.target}: {self._encoder_message()}")
            self._publish()
        except OSError as error:
            self.abort()
            raise FogwalkError(f"cannot write {self.target}: {error.strerror or error}") from None
        except BaseException:
            self.abort()
            raise
        self._finished = True
        return self.target

    def _publish(self) -> None:
        if self._process is None:  # PNG frames: the whole folder at once
            if self.target.exists():
                shutil.rmtree(self.target)
            os.replace(self._folder, self.target)
            return
        assert self._fd is not None  # an encoded video: its file is open until published
        publish(self._fd, self._part, self.target)
        os.close(self._fd)
        self._fd = None

    def abort(self) -> None:
        """Stop and throw away everything written so far. Safe to call more than once."""
        if self._finished:
            return
        self._finished = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()  # first: a writer blocked on the pipe then fails and moves on
            self._process.wait()
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._pipe().close()
        if self._process is None:
            shutil.rmtree(self._folder, ignore_errors=True)
        else:
            discard(self._fd, self._part)  # an unnamed file vanishes with its descriptor
            self._fd = None

    def __enter__(self) -> VideoFile:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
