// Terrain vertex shader (GLSL ES 1.00): the fog is computed here, once per vertex, and
// interpolated. Per fragment, llvmpipe runs every iteration of the hiker loops for every
// pixel (about 4x the cost of the whole frame); a vertex is a 1/64 of a cell's pixels.
// Uniforms are float or float[N] only: pyqtgraph uploads every uniform with glUniform1fv.

const int MAX_HIKERS = 16;
const int MAX_MEMORY = 64;

uniform mat4 u_mvp;
uniform float u_hiker_x[MAX_HIKERS];
uniform float u_hiker_y[MAX_HIKERS];
uniform float u_hiker_count;
uniform float u_memory_x[MAX_MEMORY];
uniform float u_memory_y[MAX_MEMORY];
uniform float u_memory_count;
uniform float u_radius;      // clear ground around a hiker, world units
uniform float u_softness;    // width of the fog's edge, world units
uniform float u_memory;      // how much measured ground stays revealed, 0..1
uniform float u_height;      // world height of the top of the sampled range

attribute vec4 a_position;
attribute vec4 a_color;
varying vec4 v_color;
varying float v_fog;
varying float v_level;

void main() {
    vec2 ground = a_position.xy;
    float nearest = 1.0e6;
    for (int i = 0; i < MAX_HIKERS; i++) {
        if (float(i) >= u_hiker_count) break;
        nearest = min(nearest, distance(ground, vec2(u_hiker_x[i], u_hiker_y[i])));
    }
    float fog = smoothstep(u_radius, u_radius + u_softness, nearest);
    if (u_memory > 0.0) {
        float remembered = 1.0e6;
        for (int i = 0; i < MAX_MEMORY; i++) {
            if (float(i) >= u_memory_count) break;
            remembered = min(remembered, distance(ground, vec2(u_memory_x[i], u_memory_y[i])));
        }
        float reach = 0.5 * u_radius;
        fog = min(fog, 1.0 - u_memory * (1.0 - smoothstep(reach, reach + u_softness, remembered)));
    }
    v_fog = fog;
    v_color = a_color;
    v_level = a_position.z / u_height;
    gl_Position = u_mvp * a_position;
}
