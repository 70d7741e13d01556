#version 330 core
// One pass: image, raw heat values (bilinear in the sampler), normalisation, colour lookup, alpha, threshold, contour.
in vec2 uv;
out vec4 colour;
uniform sampler2D image;   // RGBA8, GL_NEAREST: the pixels the model saw
uniform sampler2D heat;    // R32F, GL_LINEAR, clamped: raw map values, upsampled by the sampler
uniform sampler2D lut;     // 256 x 1 RGBA8, read with texelFetch
uniform sampler2D hud;     // RGBA8 straight alpha, for mode 2
uniform int mode;          // 0: overlay, 1: image only, 2: HUD
uniform float lo;
uniform float hi;
uniform float alpha;
uniform float threshold;
uniform float zoom;
uniform vec2 pan;
uniform vec4 hudRect;      // mode 2: the part of the HUD texture this viewport shows (u0, v0, u1, v1; v down)
void main() {
    if (mode == 2) {
        colour = texture(hud, vec2(mix(hudRect.x, hudRect.z, uv.x), mix(hudRect.w, hudRect.y, uv.y)));
        return;
    }
    // zoom about the pane's centre, then pan; texture row 0 is the image's top row
    vec2 p = (uv - 0.5) / zoom + 0.5 + vec2(pan.x, -pan.y);
    vec2 t = vec2(p.x, 1.0 - p.y);
    if (t.x < 0.0 || t.x > 1.0 || t.y < 0.0 || t.y > 1.0) {
        colour = vec4(0.12, 0.12, 0.12, 1.0);
        return;
    }
    vec3 img = texture(image, t).rgb;
    if (mode == 1) {
        colour = vec4(img, 1.0);
        return;
    }
    float v = texture(heat, t).r;
    float u = hi > lo ? clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.0;
    int index = clamp(int(floor(u * 256.0)), 0, 255);   // matplotlib's rule, as the CPU overlay
    vec3 heatColour = texelFetch(lut, ivec2(index, 0), 0).rgb;
    vec3 c = u >= threshold ? mix(img, heatColour, alpha) : img;
    if (threshold > 0.0 && abs(u - threshold) < fwidth(u)) {
        c = vec3(1.0);   // the threshold's contour
    }
    colour = vec4(c, 1.0);
}
