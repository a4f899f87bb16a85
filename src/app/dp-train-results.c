/* dp-train-results.c: DpTrainResults (see the header). The worker evaluated the network on the
 * test set, so the matrix, the per-digit table and the gallery are read from memory. Saving and
 * exporting write a copy of the network in a worker thread; the application's model changes
 * only on Use This Model. */
#include "dp-train-results.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dp-application.h"
#include "dp-confusion-view.h"
#include "dp-file-chooser.h"
#include "dp-gallery.h"
#include "dp-table.h"
#include "engine/model-file.h"

#define GALLERY_MAX 200 /* images shown for one cell */
#define AVERAGE_ROW DP_MAX_CLASSES /* the table's row of the macro averages */

struct _DpTrainResults
{
  AdwBin parent_instance;

  /* template */
  GtkStack *stack;
  GtkLabel *accuracy_label;
  GtkLabel *accuracy_caption;
  GtkLabel *file_status;
  DpConfusionView *confusion;
  GtkGrid *class_grid;
  GtkRevealer *gallery_revealer;
  GtkLabel *gallery_title;
  GtkWidget *gallery_close;
  DpGallery *gallery;

  DpTrainResult *result;       /* with its config and test set */
  /* the table's rows: the digits 0-9, "not a digit" (DP_CLASS_NOT_A_DIGIT, shown only when the
   * metrics have it), then the macro average (AVERAGE_ROW); cells: precision/recall/F1/images */
  GtkWidget *class_heads[AVERAGE_ROW + 1];
  GtkLabel *class_cells[AVERAGE_ROW + 1][4];
  gboolean disposed;
};

G_DEFINE_FINAL_TYPE (DpTrainResults, dp_train_results, ADW_TYPE_BIN)

static const char *
recipe_title (const DpTrainConfig *c)
{
  const DpTrainPreset *p = dp_train_preset_find (c->preset);
  return p != NULL ? p->title : _("Custom");
}

static void
set_file_status (DpTrainResults *self, const char *text, gboolean error)
{
  gtk_label_set_text (self->file_status, text);
  gtk_widget_set_visible (GTK_WIDGET (self->file_status), text != NULL && *text != '\0');
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->file_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->file_status), "error");
}

void
dp_train_results_show (DpTrainResults *self, DpTrainResult *result)
{
  g_return_if_fail (DP_IS_TRAIN_RESULTS (self));
  g_return_if_fail (result != NULL);
  dp_train_result_free (self->result);
  self->result = result;

  const DpMetrics *m = &result->metrics;
  char buf[64];
  g_snprintf (buf, sizeof buf, "%.2f %%", 100 * m->accuracy);
  gtk_label_set_text (self->accuracy_label, buf);
  g_autofree char *shape = dp_network_describe_sizes (result->network);
  g_autofree char *caption =
    g_strdup_printf (_("Test accuracy of %s (%s) on %d images, trained in %.0f s. Click a cell "
                       "of the matrix to see its images."),
                     recipe_title (&result->config), shape, m->n, result->seconds);
  gtk_label_set_text (self->accuracy_caption, caption);
  dp_confusion_view_set_metrics (self->confusion, m);

  for (int d = 0; d <= AVERAGE_ROW; d++)
    {
      gboolean shown = d < m->n_classes || d == AVERAGE_ROW;
      gtk_widget_set_visible (self->class_heads[d], shown);
      for (int c = 0; c < 4; c++)
        gtk_widget_set_visible (GTK_WIDGET (self->class_cells[d][c]), shown);
      if (!shown)
        continue;
      guint support = 0;
      gboolean average = d == AVERAGE_ROW;
      double p = average ? m->macro_precision : m->precision[d];
      double rc = average ? m->macro_recall : m->recall[d];
      double f1 = average ? m->macro_f1 : m->f1[d];
      if (!average)
        for (int j = 0; j < m->n_classes; j++)
          support += m->confusion[d][j];
      else
        support = m->n;
      g_snprintf (buf, sizeof buf, "%.2f %%", 100 * p);
      gtk_label_set_text (self->class_cells[d][0], buf);
      g_snprintf (buf, sizeof buf, "%.2f %%", 100 * rc);
      gtk_label_set_text (self->class_cells[d][1], buf);
      g_snprintf (buf, sizeof buf, "%.2f %%", 100 * f1);
      gtk_label_set_text (self->class_cells[d][2], buf);
      g_snprintf (buf, sizeof buf, "%u", support);
      gtk_label_set_text (self->class_cells[d][3], buf);
    }
  set_file_status (self, NULL, FALSE);
  gtk_revealer_set_reveal_child (self->gallery_revealer, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "results");
}

gboolean
dp_train_results_has_result (DpTrainResults *self)
{
  g_return_val_if_fail (DP_IS_TRAIN_RESULTS (self), FALSE);
  return self->result != NULL;
}

gboolean
dp_train_results_can_export (DpTrainResults *self)
{
  g_return_val_if_fail (DP_IS_TRAIN_RESULTS (self), FALSE);
  return self->result != NULL && dp_theta_can_export (self->result->network);
}

void
dp_train_results_use_model (DpTrainResults *self)
{
  g_return_if_fail (DP_IS_TRAIN_RESULTS (self));
  GApplication *app = g_application_get_default ();

  if (self->result == NULL || !DP_IS_APPLICATION (app))
    return;
  g_autofree char *title = g_strdup_printf (_("Trained: %s"), recipe_title (&self->result->config));
  g_autofree char *shape = dp_network_describe_sizes (self->result->network);
  g_debug ("train: using the trained model %s (%.2f %%)", shape,
           100 * self->result->metrics.accuracy);
  /* the application takes a copy of its own: the result stays here for saving */
  dp_model_store_set_model (dp_application_get_model_store (DP_APPLICATION (app)),
                            dp_network_copy (self->result->network), title, NULL);
  set_file_status (self, _("The Draw tab now uses this model."), FALSE);
}

/* ---------- writing files ---------- */

typedef struct
{
  DpNetwork *net;
  char *path;
  gboolean theta;
} FileJob;

static void
file_job_free (FileJob *job)
{
  dp_network_free (job->net);
  g_free (job->path);
  g_free (job);
}

static void
file_job_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *c)
{
  FileJob *job = task_data;
  GError *error = NULL;
  gboolean ok = job->theta ? dp_theta_export (job->net, job->path, &error)
                           : dp_model_save (job->net, job->path, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_file_job_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (DpTrainResults) self = user_data;
  g_autoptr (GError) error = NULL;
  FileJob *job = g_task_get_task_data (G_TASK (res));
  gboolean ok = g_task_propagate_boolean (G_TASK (res), &error);

  if (ok)
    g_debug ("train: %s %s", job->theta ? "exported Theta to" : "saved model to", job->path);
  else
    g_debug ("train: writing %s failed: %s", job->path, error->message);
  if (self->disposed)
    return;
  g_autofree char *text = ok ? g_strdup_printf (job->theta ? _("Exported Theta1.txt and Theta2.txt to %s")
                                                           : _("Saved to %s"), job->path)
                             : g_strdup (error->message);
  set_file_status (self, text, !ok);
}

static void
on_save_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpTrainResults *self = DP_TRAIN_RESULTS (owner);
  g_autofree char *path = g_file_get_path (file);

  if (self->disposed || self->result == NULL || path == NULL)
    return;
  FileJob *job = g_new0 (FileJob, 1);
  job->net = dp_network_copy (self->result->network);
  job->path = g_steal_pointer (&path);
  job->theta = GPOINTER_TO_INT (user_data);
  /* writing and fsync can take a moment: never on the UI thread; the worker writes its own copy.
   * Not cancellable: dp_model_save's rename is what makes it atomic, and it is quick. */
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_file_job_done_cb, g_object_ref (self));
  g_task_set_task_data (task, job, (GDestroyNotify) file_job_free);
  g_task_run_in_thread (task, file_job_thread);
}

void
dp_train_results_save_model (DpTrainResults *self)
{
  g_return_if_fail (DP_IS_TRAIN_RESULTS (self));
  if (self->result == NULL)
    return;
  const char *preset = self->result->config.preset;
  g_autofree char *name = g_strdup_printf ("digitpad-%s.safetensors",
                                           preset[0] ? preset : "custom");
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Models (safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  GtkFileChooser *chooser =
    dp_file_chooser_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), _("Save Model"),
                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), filter, name);
  dp_file_chooser_run (chooser, G_OBJECT (self), on_save_chosen_cb, GINT_TO_POINTER (FALSE));
}

void
dp_train_results_export_theta (DpTrainResults *self)
{
  g_return_if_fail (DP_IS_TRAIN_RESULTS (self));
  if (self->result == NULL)
    return;
  GtkFileChooser *chooser =
    dp_file_chooser_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                         _("Export Theta1.txt and Theta2.txt to a Folder"),
                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"), NULL, NULL);
  dp_file_chooser_run (chooser, G_OBJECT (self), on_save_chosen_cb, GINT_TO_POINTER (TRUE));
}

/* ---------- the gallery ---------- */

static void
on_cell_activated_cb (DpConfusionView *view, int truth, int predicted, DpTrainResults *self)
{
  if (self->result == NULL)
    return;
  const DpDataset *test = self->result->data->test;
  const guint8 *pred = self->result->predictions;
  /* the confusion matrix counted these predictions already */
  int total = (int) self->result->metrics.confusion[truth][predicted], n = 0;

  int shown = MIN (total, GALLERY_MAX);
  float *images = g_new (float, (gsize) MAX (1, shown) * DP_INPUT_SIZE); /* (n, 784) */
  guint8 *t = g_new (guint8, MAX (1, shown));
  guint8 *p = g_new (guint8, MAX (1, shown));
  for (int i = 0; i < test->n && n < GALLERY_MAX; i++)
    if (test->labels[i] == truth && pred[i] == predicted)
      {
        memcpy (images + (gsize) n * DP_INPUT_SIZE, test->images + (gsize) i * DP_INPUT_SIZE,
                DP_INPUT_SIZE * sizeof (float));
        t[n] = truth;
        p[n] = predicted;
        n++;
      }
  dp_gallery_set_images (self->gallery, images, t, p, n);
  g_free (images);
  g_free (t);
  g_free (p);

  g_autofree char *title = NULL;
  if (truth == predicted && truth == DP_CLASS_NOT_A_DIGIT)
    title = g_strdup_printf (_("Not digits, answered “not a digit”: %d images"), total);
  else if (truth == predicted)
    title = g_strdup_printf (_("%d recognised as %d: %d images"), truth, predicted, total);
  else if (predicted == DP_CLASS_NOT_A_DIGIT)
    title = g_strdup_printf (_("%d taken for “not a digit”: %d images"), truth, total);
  else if (truth == DP_CLASS_NOT_A_DIGIT)
    title = g_strdup_printf (_("Not digits, taken for %d: %d images"), predicted, total);
  else
    title = g_strdup_printf (_("%d mistaken for %d: %d images"), truth, predicted, total);
  if (total > n)
    {
      g_autofree char *more = g_strdup_printf (_("%s (the first %d shown)"), title, n);
      g_free (title);
      title = g_steal_pointer (&more);
    }
  gtk_label_set_text (self->gallery_title, title);
  gtk_revealer_set_reveal_child (self->gallery_revealer, total > 0);
  g_debug ("train: gallery true %d predicted %d: %d images", truth, predicted, total);
}

static void
on_gallery_close_clicked_cb (GtkButton *button, DpTrainResults *self)
{
  gtk_revealer_set_reveal_child (self->gallery_revealer, FALSE);
  dp_confusion_view_select (self->confusion, -1, -1);
}

/* ---------- GObject ---------- */

static void
dp_train_results_dispose (GObject *object)
{
  DpTrainResults *self = DP_TRAIN_RESULTS (object);
  self->disposed = TRUE;
  g_clear_pointer (&self->result, dp_train_result_free);
  /* the bin lets go of its child first: dispose_template unparents a bound child, and
   * AdwBin would then unparent it again */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_TRAIN_RESULTS);
  G_OBJECT_CLASS (dp_train_results_parent_class)->dispose (object);
}

static void
dp_train_results_class_init (DpTrainResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_train_results_dispose;
  g_type_ensure (DP_TYPE_CONFUSION_VIEW);
  g_type_ensure (DP_TYPE_GALLERY);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-train-results.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpTrainResults, name)
  BIND (stack);
  BIND (accuracy_label);
  BIND (accuracy_caption);
  BIND (file_status);
  BIND (confusion);
  BIND (class_grid);
  BIND (gallery_revealer);
  BIND (gallery_title);
  BIND (gallery_close);
  BIND (gallery);
#undef BIND
}

static void
dp_train_results_init (DpTrainResults *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* the per-digit table: header, ten digits, "not a digit" (hidden until a model has it), the
   * macro average */
  const char *heads[] = { _("Digit"), _("Precision"), _("Recall"), _("F1"), _("Images") };
  dp_table_header (self->class_grid, heads, G_N_ELEMENTS (heads));
  for (int d = 0; d <= AVERAGE_ROW; d++)
    {
      char buf[16];
      g_snprintf (buf, sizeof buf, "%d", d);
      gboolean average = d == AVERAGE_ROW;
      const char *title = average                     ? _("Average")
                          : d == DP_CLASS_NOT_A_DIGIT ? _("Not a digit")
                                                      : buf;
      GtkWidget *head = dp_table_cell (self->class_grid, title, 0, d + 1, 0.0, average);
      if (average)
        gtk_widget_set_margin_top (head, 4);
      self->class_heads[d] = head;
      for (int c = 0; c < 4; c++)
        {
          GtkWidget *l = dp_table_cell (self->class_grid, "—", c + 1, d + 1, 1.0, FALSE);
          if (average)
            {
              gtk_widget_set_margin_top (l, 4);
              gtk_widget_add_css_class (l, "heading");
            }
          self->class_cells[d][c] = GTK_LABEL (l);
        }
      if (d == DP_CLASS_NOT_A_DIGIT)
        {
          gtk_widget_set_visible (head, FALSE);
          for (int c = 0; c < 4; c++)
            gtk_widget_set_visible (GTK_WIDGET (self->class_cells[d][c]), FALSE);
        }
    }
  g_signal_connect (self->confusion, "cell-activated", G_CALLBACK (on_cell_activated_cb), self);
  g_signal_connect (self->gallery_close, "clicked", G_CALLBACK (on_gallery_close_clicked_cb), self);
}
