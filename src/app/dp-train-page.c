/* dp-train-page.c: to be written */
