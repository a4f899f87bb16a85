/* cmd-eval.c: to be written */
