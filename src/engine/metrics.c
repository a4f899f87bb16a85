/* metrics.c: to be written (placeholder so the build configures) */
