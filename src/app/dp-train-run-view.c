/* dp-train-run-view.c: DpTrainRunView (see the header). The trainer's signals arrive on the main
 * context, already coalesced; each one updates a few labels, the chart and, per epoch, one row. */
#include "dp-train-run-view.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dp-chart.h"
#include "dp-table.h"

struct _DpTrainRunView
{
  AdwBin parent_instance;

  /* template */
  GtkLabel *progress_label;
  GtkLabel *speed_label;
  GtkProgressBar *progress_bar;
  GtkStack *chart_stack;
  DpChart *chart;
  GtkWidget *epochs_box;
  GtkWidget *epoch_scroller;
  GtkGrid *epoch_grid;

  DpTrainer *trainer;
  gboolean iterations;  /* the run counts L-BFGS iterations, not epochs of batches */
  gboolean stopping;    /* Stop was pressed: the label says so until the run ends */
  int n_epoch_rows;
};

G_DEFINE_FINAL_TYPE (DpTrainRunView, dp_train_run_view, ADW_TYPE_BIN)

static char *
format_duration (double s)
{
  int t = (int) (s + 0.5);
  if (t >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  return g_strdup_printf ("%d:%02d", t / 60, t % 60);
}

static char *
format_thousands (double v)
{
  g_autofree char *raw = g_strdup_printf ("%.0f", v);
  GString *s = g_string_new (NULL);
  int len = strlen (raw);
  for (int i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (s, " "); /* U+2009 thin space */
      g_string_append_c (s, raw[i]);
    }
  return g_string_free (s, FALSE);
}

static void
set_progress_text (DpTrainRunView *self, const char *text, gboolean error)
{
  gtk_label_set_text (self->progress_label, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->progress_label), "error");
}

static void
on_progress_cb (DpTrainer *trainer, const DpTrainProgress *p, DpTrainRunView *self)
{
  double pos = (p->epoch - 1) + (p->n_batches > 0 ? (double) p->batch / p->n_batches : 1.0);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (pos / MAX (1, p->n_epochs), 0, 1));
  g_autofree char *text = NULL;
  if (self->iterations)
    text = g_strdup_printf (_("Iteration %d of %d · loss %.4f"), p->epoch, p->n_epochs, p->loss);
  else
    text = g_strdup_printf (_("Epoch %d of %d · batch %d of %d · loss %.4f"), p->epoch,
                            p->n_epochs, p->batch, p->n_batches, p->loss);
  /* progress queued before Stop still arrives: it must not hide that a stop is under way */
  if (!self->stopping)
    set_progress_text (self, text, FALSE);
  g_autofree char *rate = format_thousands (p->samples_per_s);
  g_autofree char *eta = format_duration (p->eta_s);
  g_autofree char *elapsed = format_duration (p->elapsed_s);
  g_autofree char *speed = g_strdup_printf (_("%s images/s · %s elapsed · %s left"), rate,
                                            elapsed, eta);
  gtk_label_set_text (self->speed_label, speed);
  dp_chart_add_loss (self->chart, pos, p->loss);
}

/* the MIX training set being generated (or read from the cache) before the first epoch */
static void
on_data_progress_cb (DpTrainer *trainer, int done, int total, DpTrainRunView *self)
{
  double f = total > 0 ? (double) done / total : 1.0;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (f, 0, 1));
  g_autofree char *text = g_strdup_printf (_("Making the training data (MNIST + fonts + not a "
                                             "digit) · %.0f %%"), 100 * f);
  if (!self->stopping)
    set_progress_text (self, text, FALSE);
}

static void
clear_epoch_table (DpTrainRunView *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->epoch_grid))) != NULL)
    gtk_grid_remove (self->epoch_grid, child);
  const char *heads[] = { _("Epoch"), _("Loss"), _("Train"), _("Test"), _("Time") };
  dp_table_header (self->epoch_grid, heads, G_N_ELEMENTS (heads));
  self->n_epoch_rows = 0;
}

static void
on_epoch_done_cb (DpTrainer *trainer, const DpEpochResult *r, DpTrainRunView *self)
{
  int row = ++self->n_epoch_rows;
  char buf[64];
  g_snprintf (buf, sizeof buf, "%d", r->epoch);
  dp_table_cell (self->epoch_grid, buf, 0, row, 0.0, FALSE);
  g_snprintf (buf, sizeof buf, "%.4f", r->train_loss);
  dp_table_cell (self->epoch_grid, buf, 1, row, 1.0, FALSE);
  g_snprintf (buf, sizeof buf, "%.2f %%", 100 * r->train_accuracy);
  dp_table_cell (self->epoch_grid, buf, 2, row, 1.0, FALSE);
  if (r->test_accuracy >= 0)
    g_snprintf (buf, sizeof buf, "%.2f %%", 100 * r->test_accuracy);
  else
    g_strlcpy (buf, "—", sizeof buf);
  dp_table_cell (self->epoch_grid, buf, 3, row, 1.0, FALSE);
  g_snprintf (buf, sizeof buf, "%.1f s", r->seconds);
  dp_table_cell (self->epoch_grid, buf, 4, row, 1.0, TRUE);
  dp_chart_add_epoch (self->chart, r->epoch, r->train_accuracy, r->test_accuracy);
  gtk_widget_set_visible (self->epochs_box, TRUE);

  /* follow the newest row */
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->epoch_scroller));
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
}

void
dp_train_run_view_set_trainer (DpTrainRunView *self, DpTrainer *trainer)
{
  g_return_if_fail (DP_IS_TRAIN_RUN_VIEW (self));
  if (self->trainer != NULL)
    g_signal_handlers_disconnect_by_data (self->trainer, self);
  g_set_object (&self->trainer, trainer);
  if (trainer != NULL)
    {
      g_signal_connect (trainer, "progress", G_CALLBACK (on_progress_cb), self);
      g_signal_connect (trainer, "epoch-done", G_CALLBACK (on_epoch_done_cb), self);
      g_signal_connect (trainer, "data-progress", G_CALLBACK (on_data_progress_cb), self);
    }
}

void
dp_train_run_view_start (DpTrainRunView *self, const DpTrainConfig *config)
{
  g_return_if_fail (DP_IS_TRAIN_RUN_VIEW (self));
  self->iterations = config->optimizer == DP_OPTIMIZER_LBFGS;
  self->stopping = FALSE;
  dp_chart_reset (self->chart, config->epochs);
  gtk_stack_set_visible_child_name (self->chart_stack, "chart");
  clear_epoch_table (self);
  gtk_widget_set_visible (self->epochs_box, FALSE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  set_progress_text (self, _("Starting…"), FALSE);
  gtk_label_set_text (self->speed_label, "");
}

void
dp_train_run_view_stopping (DpTrainRunView *self)
{
  g_return_if_fail (DP_IS_TRAIN_RUN_VIEW (self));
  self->stopping = TRUE;
  set_progress_text (self, _("Stopping…"), FALSE);
}

void
dp_train_run_view_finish (DpTrainRunView *self, const DpTrainResult *result, const GError *error)
{
  g_return_if_fail (DP_IS_TRAIN_RUN_VIEW (self));
  self->stopping = FALSE;
  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_progress_text (self, _("Stopped. The model in use has not changed."), FALSE);
      else
        {
          g_autofree char *text = g_strdup_printf (_("Training failed: %s"), error->message);
          set_progress_text (self, text, TRUE);
        }
      return;
    }
  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  g_autofree char *text = g_strdup_printf (_("Finished: %.2f %% on the test set"),
                                           100 * result->metrics.accuracy);
  set_progress_text (self, text, FALSE);
  double p50, p99, max;
  guint n;
  if (self->trainer != NULL && dp_trainer_get_stall_stats (self->trainer, &p50, &p99, &max, &n))
    {
      g_autofree char *stall = g_strdup_printf (_("main loop: p99 stall %.1f ms"), p99);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->speed_label), stall);
    }
}

static void
dp_train_run_view_dispose (GObject *object)
{
  DpTrainRunView *self = DP_TRAIN_RUN_VIEW (object);
  dp_train_run_view_set_trainer (self, NULL);
  /* the bin lets go of its child first: dispose_template unparents a bound child, and
   * AdwBin would then unparent it again */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_TRAIN_RUN_VIEW);
  G_OBJECT_CLASS (dp_train_run_view_parent_class)->dispose (object);
}

static void
dp_train_run_view_class_init (DpTrainRunViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_train_run_view_dispose;
  g_type_ensure (DP_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-train-run-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpTrainRunView, name)
  BIND (progress_label);
  BIND (speed_label);
  BIND (progress_bar);
  BIND (chart_stack);
  BIND (chart);
  BIND (epochs_box);
  BIND (epoch_scroller);
  BIND (epoch_grid);
#undef BIND
}

static void
dp_train_run_view_init (DpTrainRunView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  clear_epoch_table (self);
}
