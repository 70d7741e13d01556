/** Readers for the data sets Heed trains and tests on, read straight from files (nothing downloads). */
package dev.heed.toolkit.data;
