/**
 * The {@code heed} command line (picocli): the only place where names become types (methods, colormaps, targets,
 * normalisations, backends) and the only code that prints or chooses an exit code.
 */
package dev.heed.toolkit.cli;
