/* dp-table.h: the Train page's small number tables (epochs, per digit) are GtkGrids of labels:
 * one way to add a cell and one header row, shared by the run view and the results. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* a label at (col, row), aligned by xalign, dimmed when dim */
GtkWidget *dp_table_cell   (GtkGrid *grid, const char *text, int col, int row, float xalign,
                            gboolean dim);
/* row 0: the first column left-aligned, the numbers right-aligned */
void       dp_table_header (GtkGrid *grid, const char * const *heads, guint n);

G_END_DECLS
