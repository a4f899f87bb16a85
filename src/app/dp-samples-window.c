/* dp-samples-window.c: DpSamplesWindow (see the header). The grid is rebuilt from the samples on
 * every "changed": a few hundred thumbnails at most, each a menu button whose menu carries the
 * sample's id in its actions' targets, so no widget holds a pointer into the samples. */
#include "dp-samples-window.h"

#include <glib/gi18n.h>

#include "dp-debug.h"
#include "dp-file-chooser.h"
#include "dp-notify.h"
#include "engine/network.h"

#define THUMB_SIDE 64

struct _DpSamplesWindow
{
  AdwWindow parent_instance;

  /* template */
  AdwWindowTitle *title;
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  GtkLabel *summary_label;
  GtkBox *groups_box;

  DpSamples *samples;
};

G_DEFINE_FINAL_TYPE (DpSamplesWindow, dp_samples_window, ADW_TYPE_WINDOW)

/* --- thumbnails ---------------------------------------------------------------------------- */

typedef struct
{
  double x0, y0, x1, y1;
} Box;

static void
grow_box (gpointer data, DpPathOp op, const double *pts, float pressure)
{
  Box *box = data;
  int n = op == DP_PATH_QUAD_TO ? 2 : 1;

  for (int i = 0; i < n; i++)
    {
      box->x0 = MIN (box->x0, pts[2 * i]);
      box->y0 = MIN (box->y0, pts[2 * i + 1]);
      box->x1 = MAX (box->x1, pts[2 * i]);
      box->y1 = MAX (box->y1, pts[2 * i + 1]);
    }
}

void
dp_samples_draw_thumbnail (cairo_t *cr, const DpStrokes *strokes, int width, int height)
{
  Box box = { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
  double side, scale, pen, margin;

  g_return_if_fail (cr != NULL && strokes != NULL);

  /* the ink's own box, from the same walk the pad draws: a small digit fills its thumbnail */
  dp_strokes_walk (strokes, grow_box, &box);
  if (box.x1 < box.x0)
    return;
  side = MAX (MAX (box.x1 - box.x0, box.y1 - box.y0), 0.05);
  pen = MAX (2.0, MIN (width, height) / 14.0);
  margin = pen;
  scale = (MIN (width, height) - 2 * margin) / side;
  cairo_save (cr);
  cairo_translate (cr, width / 2.0 - scale * (box.x0 + box.x1) / 2,
                   height / 2.0 - scale * (box.y0 + box.y1) / 2);
  for (guint i = 0; i < dp_strokes_get_n_strokes (strokes); i++)
    dp_strokes_stroke_pieces (strokes, i, 0, G_MAXUINT, cr, scale, pen);
  cairo_restore (cr);
}

static void
thumbnail_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  GdkRGBA ink;

  /* GTK 4.8 has no gtk_widget_get_color */
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &ink);
  gdk_cairo_set_source_rgba (cr, &ink);
  dp_samples_draw_thumbnail (cr, user_data, width, height);
}

/* --- the grid ------------------------------------------------------------------------------ */

static char *
label_title (int label)
{
  return label == DP_CLASS_NOT_A_DIGIT ? g_strdup (_("Not a digit")) : g_strdup_printf ("%d", label);
}

static GMenuModel *
sample_menu (const DpStrokesRecord *record)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) edit = g_menu_new ();
  g_autoptr (GMenu) relabel = g_menu_new ();
  g_autoptr (GMenuItem) delete = g_menu_item_new (_("_Delete"), NULL);

  g_menu_item_set_action_and_target_value (delete, "samples.delete",
                                           g_variant_new_string (record->id));
  g_menu_append_item (edit, delete);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (edit));
  for (int label = 0; label <= DP_CLASS_NOT_A_DIGIT; label++)
    {
      g_autofree char *title = label_title (label);
      g_autoptr (GMenuItem) item = NULL;

      if (label == record->label)
        continue;
      item = g_menu_item_new (title, NULL);
      g_menu_item_set_action_and_target_value (item, "samples.relabel",
                                               g_variant_new ("(si)", record->id, label));
      g_menu_append_item (relabel, item);
    }
  g_menu_append_section (menu, _("Relabel As"), G_MENU_MODEL (relabel));
  return G_MENU_MODEL (menu);
}

static GtkWidget *
sample_button (const DpStrokesRecord *record, int k)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *area = gtk_drawing_area_new ();
  g_autoptr (GMenuModel) menu = sample_menu (record);
  g_autofree char *name = g_strdup_printf ("sample-%d-%d", record->label, k);
  g_autofree char *tip = NULL;

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), THUMB_SIDE);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), THUMB_SIDE);
  /* a copy: the record goes at the next change, the thumbnail may be drawn after it */
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), thumbnail_draw,
                                  dp_strokes_copy (record->strokes),
                                  (GDestroyNotify) dp_strokes_free);
  gtk_menu_button_set_child (GTK_MENU_BUTTON (button), area);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), menu);
  gtk_widget_set_name (button, name);
  if (record->time > 0)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (record->time);
      tip = g_date_time_format (when, _("Kept on %x at %X"));
      gtk_widget_set_tooltip_text (button, tip);
    }
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static GtkWidget *
label_group (DpSamplesWindow *self, int label, guint n)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *flow;
  g_autofree char *title = label_title (label);
  g_autofree char *count = n == 0 ? g_strdup (_("none yet"))
                                  : g_strdup_printf (ngettext ("%u sample", "%u samples", n), n);
  g_autofree char *name = g_strdup_printf ("group-%d", label);
  GtkWidget *title_label = gtk_label_new (title);
  GtkWidget *count_label = gtk_label_new (count);
  GPtrArray *records = dp_samples_get_records (self->samples);
  int k = 0;

  gtk_widget_add_css_class (title_label, "title-3");
  gtk_widget_add_css_class (count_label, "dim-label");
  gtk_widget_set_valign (count_label, GTK_ALIGN_BASELINE);
  gtk_widget_set_valign (title_label, GTK_ALIGN_BASELINE);
  gtk_box_append (GTK_BOX (heading), title_label);
  gtk_box_append (GTK_BOX (heading), count_label);
  gtk_widget_set_name (count_label, name);
  gtk_box_append (GTK_BOX (box), heading);
  if (n == 0)
    return box;

  flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 40);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 4);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 4);
  gtk_widget_set_halign (flow, GTK_ALIGN_START);
  for (guint i = 0; i < records->len; i++)
    {
      const DpStrokesRecord *r = g_ptr_array_index (records, i);
      if (r->label == label)
        gtk_flow_box_append (GTK_FLOW_BOX (flow), sample_button (r, k++));
    }
  gtk_box_append (GTK_BOX (box), flow);
  return box;
}

static void
rebuild (DpSamplesWindow *self)
{
  GtkWidget *child;
  guint n = dp_samples_get_n (self->samples);
  guint digits_done = 0;
  g_autofree char *subtitle = NULL;
  g_autofree char *summary = NULL;
  g_autoptr (GString) counts = g_string_new (NULL);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->groups_box))) != NULL)
    gtk_box_remove (self->groups_box, child);
  for (int label = 0; label <= DP_CLASS_NOT_A_DIGIT; label++)
    {
      guint count = dp_samples_count (self->samples, label);
      /* "not a digit" only once there is one: most models cannot answer it */
      if (label == DP_CLASS_NOT_A_DIGIT && count == 0)
        continue;
      if (label < DP_N_CLASSES && count > 0)
        digits_done++;
      gtk_box_append (self->groups_box, label_group (self, label, count));
    }
  subtitle = g_strdup_printf (ngettext ("%u sample", "%u samples", n), n);
  adw_window_title_set_subtitle (self->title, subtitle);
  summary = g_strdup_printf (_("%s of %u of the ten digits, kept in %s. Click one to delete it "
                               "or give it another label."),
                             subtitle, digits_done, dp_samples_get_path (self->samples));
  gtk_label_set_label (self->summary_label, summary);
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "samples" : "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "samples.export", n > 0);
  /* what the GUI tests read */
  for (int label = 0; label <= DP_CLASS_NOT_A_DIGIT; label++)
    g_string_append_printf (counts, "%s%u", label ? "," : "",
                            dp_samples_count (self->samples, label));
  g_debug ("samples view: n=%u counts=%s", n, counts->str);
}

static void
on_samples_changed_cb (DpSamples *samples, DpSamplesWindow *self)
{
  rebuild (self);
}

/* --- actions ------------------------------------------------------------------------------- */

static void
show_toast (DpSamplesWindow *self, const char *text)
{
  g_debug ("toast: %s", text);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
delete_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpSamplesWindow *self = DP_SAMPLES_WINDOW (widget);
  g_autoptr (GError) error = NULL;

  if (!dp_samples_remove (self->samples, g_variant_get_string (param, NULL), &error))
    dp_show_error (widget, _("Could not delete the sample"), error->message);
  else
    show_toast (self, _("Sample deleted"));
}

static void
relabel_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpSamplesWindow *self = DP_SAMPLES_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  const char *id;
  int label;

  g_variant_get (param, "(&si)", &id, &label);
  if (!dp_samples_relabel (self->samples, id, label, &error))
    dp_show_error (widget, _("Could not relabel the sample"), error->message);
  else
    {
      g_autofree char *title = label_title (label);
      g_autofree char *text = g_strdup_printf (_("Relabelled as %s"), title);
      show_toast (self, text);
    }
}

static void
on_import_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpSamplesWindow *self = DP_SAMPLES_WINDOW (owner);
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bad = NULL;
  guint added = 0, unlabelled = 0;
  g_autoptr (GString) text = g_string_new (NULL);

  if (self->samples == NULL)
    return;
  if (path == NULL)
    {
      dp_show_error (GTK_WIDGET (self), _("Could not import"), _("Only local files can be read."));
      return;
    }
  if (!dp_samples_import (self->samples, path, &added, &unlabelled, &bad, &error))
    {
      dp_show_error (GTK_WIDGET (self), _("Could not import the samples"), error->message);
      return;
    }
  g_string_printf (text, ngettext ("%u sample imported", "%u samples imported", added), added);
  if (unlabelled > 0)
    g_string_append_printf (text, ngettext ("; %u drawing without a label left out",
                                            "; %u drawings without a label left out",
                                            unlabelled), unlabelled);
  if (bad != NULL && bad->len > 0)
    {
      /* the lines that did not read are named, not just counted */
      g_autofree char *all = NULL;
      g_ptr_array_add (bad, NULL);
      all = g_strjoinv ("\n", (char **) bad->pdata);
      g_string_append_printf (text, ngettext ("; %u line did not read", "; %u lines did not read",
                                              bad->len - 1), bad->len - 1);
      dp_show_error (GTK_WIDGET (self), text->str, all);
      return;
    }
  show_toast (self, text->str);
}

static void
import_action (GtkWidget *widget, const char *name, GVariant *param)
{
  g_autoptr (GtkFileFilter) filter = dp_file_chooser_strokes_filter ();

  dp_file_chooser_run (dp_file_chooser_new (GTK_WINDOW (widget), _("Import Samples"),
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), filter,
                                            NULL),
                       G_OBJECT (widget), on_import_chosen_cb, NULL);
}

static void
on_export_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpSamplesWindow *self = DP_SAMPLES_WINDOW (owner);
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (self->samples == NULL)
    return;
  if (path == NULL)
    dp_show_error (GTK_WIDGET (self), _("Could not export"), _("Only local files can be written."));
  else if (!dp_samples_export (self->samples, path, &error))
    dp_show_error (GTK_WIDGET (self), _("Could not export the samples"), error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *text = g_strdup_printf (_("Samples exported to %s"), base);
      show_toast (self, text);
    }
}

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  g_autoptr (GtkFileFilter) filter = dp_file_chooser_strokes_filter ();

  dp_file_chooser_run (dp_file_chooser_new (GTK_WINDOW (widget), _("Export Samples"),
                                            GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), filter,
                                            _("digitpad-samples.ndjson")),
                       G_OBJECT (widget), on_export_chosen_cb, NULL);
}

/* Personalize and Teach are the main window's: this window is over it */
static void
parent_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));
  const char *what = g_str_equal (name, "samples.teach") ? "win.teach" : "win.personalize";

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), what, NULL);
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_samples_window_dispose (GObject *object)
{
  DpSamplesWindow *self = DP_SAMPLES_WINDOW (object);

  if (self->samples != NULL)
    g_signal_handlers_disconnect_by_data (self->samples, self);
  g_clear_object (&self->samples);
  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_SAMPLES_WINDOW);
  G_OBJECT_CLASS (dp_samples_window_parent_class)->dispose (object);
}

static void
dp_samples_window_class_init (DpSamplesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_samples_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-samples-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DpSamplesWindow, title);
  gtk_widget_class_bind_template_child (widget_class, DpSamplesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DpSamplesWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DpSamplesWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, DpSamplesWindow, groups_box);

  gtk_widget_class_install_action (widget_class, "samples.delete", "s", delete_action);
  gtk_widget_class_install_action (widget_class, "samples.relabel", "(si)", relabel_action);
  gtk_widget_class_install_action (widget_class, "samples.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "samples.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "samples.personalize", NULL, parent_action);
  gtk_widget_class_install_action (widget_class, "samples.teach", NULL, parent_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dp_samples_window_init (DpSamplesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  dp_debug_watch_named (GTK_WIDGET (self), "samples-bounds: ");
}

DpSamplesWindow *
dp_samples_window_new (GtkWindow *parent, DpSamples *samples)
{
  DpSamplesWindow *self;

  g_return_val_if_fail (DP_IS_SAMPLES (samples), NULL);

  self = g_object_new (DP_TYPE_SAMPLES_WINDOW, "transient-for", parent, "destroy-with-parent",
                       TRUE, NULL);
  self->samples = g_object_ref (samples);
  g_signal_connect (samples, "changed", G_CALLBACK (on_samples_changed_cb), self);
  rebuild (self);
  return self;
}
