/* dp-application.c: to be written */
