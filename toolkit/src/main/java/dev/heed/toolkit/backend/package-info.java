/**
 * The backend SPI for the map maths (reduce, weight, normalise, upsample, colour, blend, attention). Its ops take
 * batch values ({@code Features}, {@code Maps}, {@code RgbImages}, {@code HeadVectors}, {@code TokenMatrices}) that
 * check their shapes once, and explicit choices ({@code MapRange}, {@code KeyMask}, {@code Blend}) instead of nulls
 * and loose numbers. Methods call these ops and never ask which backend they hold; the CPU backend in {@code cpu} is
 * the reference that every other backend is tested against. Beside the host values, {@code ArrayScope} and
 * {@code ResidentArray} keep a method's chain of ops where the backend computes (device memory for CUDA), each resident
 * op defined as its host op.
 */
package dev.heed.toolkit.backend;
