#version 330 core
// A quad covering the current viewport; uv runs from (0,0) bottom-left to (1,1) top-right.
layout(location = 0) in vec2 corner;
out vec2 uv;
void main() {
    uv = corner;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
