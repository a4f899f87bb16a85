/* dp-canvas.c: to be written */
