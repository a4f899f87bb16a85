/* dp-confusion-view.c: to be written */
