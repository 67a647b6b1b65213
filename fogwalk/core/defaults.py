"""The default scene: the fog mountain and four hikers who end in four different places."""

DEFAULT_SURFACE = "fog_mountain"
# From the mountain's flank: SGD stops in the tarn, RMSprop in the upper lake, Adam in
# the lower lake, and momentum rolls through them all to the true bottom.
DEFAULT_OPTIMIZERS = ("sgd:lr=0.03", "momentum:lr=0.01", "rmsprop:lr=0.01", "adam:lr=0.05")

# Hiker colours, in order: bright and distinct against the terrain's colour map and the fog.
HIKER_COLORS = (
    "#ff5a36",
    "#ff3fb4",
    "#3de0ff",
    "#ffffff",
    "#ffd23f",
    "#7cff4f",
    "#b28dff",
    "#ff9f1c",
)
FOG_COLOR = "#c8d2db"
