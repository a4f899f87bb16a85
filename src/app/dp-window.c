/* dp-window.c: to be written */
