// Terrain fragment shader (GLSL ES 1.00): mixes toward the fog colour by the vertex fog.
#ifdef GL_ES
precision highp float;
#endif

uniform float u_density;     // 1: only the hiker's ground is seen; less: a haze
uniform float u_fog_rgb[3];

varying vec4 v_color;
varying float v_fog;

void main() {
    if (v_color.a < 0.5) {
        discard;  // a hole: the surface has no value here
    }
    vec3 fog_rgb = vec3(u_fog_rgb[0], u_fog_rgb[1], u_fog_rgb[2]);
    gl_FragColor = vec4(mix(v_color.rgb, fog_rgb, v_fog * u_density), 1.0);
}
