/**
 * The backend SPI for the map maths (reduce, weight, normalise, upsample, colour, blend). Methods call these ops and
 * never ask which backend they hold; the CPU backend in {@code cpu} is the reference that every other backend is tested
 * against.
 */
package dev.heed.toolkit.backend;
