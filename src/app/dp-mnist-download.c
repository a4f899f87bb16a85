/* dp-mnist-download.c: to be written */
