/** The plain-Java, multi-threaded reference implementation of the backend ops. */
package dev.heed.toolkit.backend.cpu;
