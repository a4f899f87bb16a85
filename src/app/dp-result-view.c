/* dp-result-view.c: to be written */
