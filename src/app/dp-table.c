/* dp-table.c: see the header. */
#include "dp-table.h"

GtkWidget *
dp_table_cell (GtkGrid *grid, const char *text, int col, int row, float xalign, gboolean dim)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (grid, label, col, row, 1, 1);
  return label;
}

void
dp_table_header (GtkGrid *grid, const char * const *heads, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *l = dp_table_cell (grid, heads[i], i, 0, i ? 1.0 : 0.0, TRUE);
      gtk_widget_add_css_class (l, "caption-heading");
      gtk_widget_set_hexpand (l, TRUE);
    }
}
