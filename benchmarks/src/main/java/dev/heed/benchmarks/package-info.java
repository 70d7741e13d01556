/** JMH benchmarks of the backend ops and pipelines, run as side-by-side ratios (GPU vs CPU, ours vs peers). */
package dev.heed.benchmarks;
