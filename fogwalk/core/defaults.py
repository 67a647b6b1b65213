"""The default scene: the fog mountain and four hikers who end in four different places."""

DEFAULT_SURFACE = "fog_mountain"
# From the mountain's flank: SGD stops in the tarn, RMSprop in the upper lake, Adam in
# the lower lake, and momentum rolls through them all to the true bottom.
DEFAULT_OPTIMIZERS = ("sgd:lr=0.03", "momentum:lr=0.01", "rmsprop:lr=0.01", "adam:lr=0.05")

# Hiker colours, in order: bright and distinct against the terrain's colour map and the fog.
# None is white, amber or red (the rings that say reached, stuck, diverged); the first four
# stay clear of the terrain's yellows and greens.
HIKER_COLORS = (
    "#ff5a36",
    "#ff3fb4",
    "#3de0ff",
    "#b388ff",
    "#7cff4f",
    "#ffd23f",
    "#c08552",
    "#ff8fa3",
)
FOG_COLOR = "#c8d2db"

# Steps: the app plays a long walk to watch; trace and export of a bare surface walk fewer,
# enough for every default hiker to settle (a scenario or --steps says otherwise).
APP_STEPS = 2000
BATCH_STEPS = 300

# The fog radius a user can set (a share of the domain's longer side): slider, keys, files.
FOG_RADIUS_RANGE = (0.02, 1.0)

# A walker's status as every view draws it: the ring around its marker, and a spent
# (diverged) walker's grey fill.
# Rings by Outcome, in its order: walking, reached its goal, stuck (a saddle, a maximum, a
# plateau), diverged.
STATUS_RING_COLORS = {
    "walking": "#1a1a1a",
    "reached": "#ffffff",
    "stuck": "#ffb000",
    "diverged": "#d7263d",
}
SPENT_COLOR = "#595959"
ERROR_TEXT_COLOR = "#d7263d"  # a message under a field that holds something wrong

# Playback speed, steps per second; at the top of the range playback keeps up with the engine.
SPEED_RANGE = (0.5, 5000.0)

# How much memory one run's per-step records (xy, loss, grad: 5 float64 a walker a step) may
# take: half of what this machine (or its container) has. The terrain, the window or the
# encoder and the rest of the machine need the other half; a run that swaps is a hang.
RUN_MEMORY_SHARE = 0.5
RUN_MEMORY_FALLBACK = 4 << 30  # bytes, where the machine's memory cannot be read
MAX_STEPS = 10**9  # beyond any walk worth watching (55 hours at the fastest playback)
# A video's frames: each takes tens of milliseconds to draw and encode, so 100,000 frames
# (55 minutes at 30 fps) already render for about an hour.
MAX_FRAMES = 100_000
SCENARIO_MAX_BYTES = 1 << 20  # a scenario file is a page of settings, not data
