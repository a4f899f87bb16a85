/* cmd-train.c: to be written */
