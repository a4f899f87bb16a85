/* dp-chart.c: to be written */
