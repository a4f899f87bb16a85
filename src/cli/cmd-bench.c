/* cmd-bench.c: to be written */
