/* cmd-predict.c: to be written */
