/* cmd-theta.c: to be written */
