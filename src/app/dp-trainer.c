/* dp-trainer.c: to be written */
