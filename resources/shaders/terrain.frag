// Terrain fragment shader (GLSL 1.10, or ES 1.00 where pyqtgraph marks shaders "#version
// 100"): contour lines from the interpolated height, then the fog mixed in by the vertex
// fog, and fogged ground pushed back in depth so that it never hides clear ground or hikers.
#ifdef GL_ES
#extension GL_OES_standard_derivatives : enable
#extension GL_EXT_frag_depth : enable
precision highp float;
#define FRAG_DEPTH gl_FragDepthEXT
#else
#define FRAG_DEPTH gl_FragDepth
#endif

uniform float u_density;     // 1: only the hiker's ground is seen; less: a haze
uniform float u_fog_rgb[3];
uniform float u_contours;    // contour intervals over the height range; 0: no lines

varying vec4 v_color;
varying float v_fog;
varying float v_level;       // height in 0..1 over the sampled range

// Fogged ground is drawn as if this much of its remaining depth further away: 0.8 puts
// fully fogged ground five times as far, behind any clear ground of the same terrain.
const float FOG_DEPTH_PUSH = 0.8;
const float CONTOUR_DARKEN = 0.38;
const float FAR_DEPTH = 0.9999995;

float contour_line(float level) {
    float t = level * u_contours;
    float nearest = floor(t + 0.5);
    float spacing = max(fwidth(t), 1.0e-6);  // intervals per pixel
    float line = 1.0 - smoothstep(0.5, 1.3, abs(t - nearest) / spacing);  // anti-aliased
    line *= step(0.5, nearest) * step(nearest, u_contours - 0.5);  // not the range's ends
    return line * (1.0 - smoothstep(0.12, 0.3, spacing));  // lines too dense: a grey, drop
}

void main() {
    if (v_color.a < 0.5) {
        discard;  // a hole: the surface has no value here
    }
    vec3 ground = v_color.rgb;
    if (u_contours > 0.0) {
        ground *= 1.0 - CONTOUR_DARKEN * contour_line(v_level);
    }
    vec3 fog_rgb = vec3(u_fog_rgb[0], u_fog_rgb[1], u_fog_rgb[2]);
    gl_FragColor = vec4(mix(ground, fog_rgb, v_fog * u_density), 1.0);
    float push = u_density > 0.0 ? FOG_DEPTH_PUSH * v_fog : 0.0;
    // Kept off the far plane itself, where a 24-bit depth test would drop the fragment.
    FRAG_DEPTH = min(gl_FragCoord.z + push * (1.0 - gl_FragCoord.z), FAR_DEPTH);
}
