/* dp-personalize-window.c: DpPersonalizeWindow (see the header). One status page follows the
 * run through its states; each state is logged ("personalize: state NAME: TITLE | WORDS") for
 * the GUI tests. MNIST is read when the window opens, from where the Train page finds it. */
#include "dp-personalize-window.h"

#include <glib/gi18n.h>

#include "dp-debug.h"
#include "dp-personalizer.h"

struct _DpPersonalizeWindow
{
  AdwWindow parent_instance;

  /* template */
  AdwStatusPage *status;
  GtkWidget *progress_box;
  GtkProgressBar *progress;
  GtkLabel *progress_label;
  GtkWidget *figures;
  GtkLabel *heldout_label;
  GtkLabel *anchor_label;
  GtkLabel *figures_note;
  GtkWidget *close_button;
  GtkWidget *stop_button;
  GtkWidget *start_button;

  DpModelStore *models;
  DpSamples *samples;
  GSettings *settings;       /* nullable */
  DpPersonalizer *personalizer;
  DpMnistData *data;         /* loaded, or NULL */
  GCancellable *load_cancellable;
  gboolean disposed;
};

G_DEFINE_FINAL_TYPE (DpPersonalizeWindow, dp_personalize_window, ADW_TYPE_WINDOW)

typedef enum { STATE_READY, STATE_LOADING, STATE_RUNNING, STATE_DONE, STATE_STOPPED } State;

static void
show_state (DpPersonalizeWindow *self, const char *name, State state, const char *icon,
            const char *title, const char *words)
{
  adw_status_page_set_icon_name (self->status, icon);
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, words);
  gtk_widget_set_visible (self->progress_box, state == STATE_RUNNING || state == STATE_LOADING);
  gtk_widget_set_visible (self->figures, state == STATE_DONE);
  gtk_widget_set_visible (self->stop_button, state == STATE_RUNNING);
  gtk_widget_set_visible (self->start_button, state == STATE_READY || state == STATE_STOPPED);
  gtk_widget_set_visible (self->close_button, state != STATE_RUNNING);
  if (state == STATE_LOADING)
    {
      gtk_progress_bar_pulse (self->progress);
      gtk_label_set_label (self->progress_label, "");
    }
  /* one line in the log, whatever the words' paragraphs */
  g_autofree char *line = g_strdelimit (g_strdup (words ? words : ""), "\n", ' ');
  g_debug ("personalize: state %s: %s | %s", name, title, line);
}

/* the samples, their spread over the digits, and the base */
static void
show_ready (DpPersonalizeWindow *self, const char *note)
{
  guint n = dp_samples_get_n (self->samples), digits = 0;
  const DpNetwork *model = dp_model_store_get_model (self->models);
  g_autofree char *from = NULL;
  g_autofree char *words = NULL;

  for (int d = 0; d < DP_N_CLASSES; d++)
    digits += dp_samples_count (self->samples, d) > 0;
  if (n == 0)
    {
      show_state (self, "empty", STATE_DONE, "document-edit-symbolic", _("No Samples Yet"),
                  _("When the pad reads a digit wrong, type the right one: your drawing is kept. "
                    "Or use Teach It Your Handwriting (Ctrl+T), then come back here."));
      gtk_widget_set_visible (self->figures, FALSE);
      return;
    }
  from = model != NULL && dp_personalize_is_personal (model)
           ? g_strdup (_("It starts again from the model your personal model was made from."))
           : g_strdup_printf (_("It starts from the model in use, %s."),
                              dp_model_store_get_name (self->models));
  words = g_strdup_printf (ngettext ("%u sample, of %u of the ten digits. %s It takes a few "
                                     "seconds; the model in use stays unless the new one still "
                                     "reads MNIST as well (at most 0.3 points lower).%s%s",
                                     "%u samples, of %u of the ten digits. %s It takes a few "
                                     "seconds; the model in use stays unless the new one still "
                                     "reads MNIST as well (at most 0.3 points lower).%s%s", n),
                           n, digits, from, note ? "\n\n" : "", note ? note : "");
  show_state (self, "ready", note ? STATE_STOPPED : STATE_READY, "document-edit-symbolic",
              _("Personalize With Your Samples"), words);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "personalize.start", self->data != NULL);
}

static void
show_missing (DpPersonalizeWindow *self, const char *dir, const char *why)
{
  g_autofree char *words =
    g_strdup_printf (_("A personal model is trained on your samples mixed with MNIST's digits, "
                       "and checked on MNIST's test digits, so that it still reads everyone's "
                       "handwriting. %s\n\nOn the Train tab, click Download MNIST (11 MB) or "
                       "choose the folder that holds its four files (or set DIGITPAD_MNIST_DIR), "
                       "then personalize again."),
                     why ? why : dir);
  show_state (self, "missing", STATE_DONE, "dialog-warning-symbolic", _("MNIST Is Needed"), words);
  gtk_widget_set_visible (self->figures, FALSE);
}

static char *
before_after (double before, double after)
{
  if (before < 0 || after < 0)
    return g_strdup (_("not measured"));
  return g_strdup_printf ("%.1f %% → %.1f %%", 100.0 * before, 100.0 * after);
}

static void
show_figures (DpPersonalizeWindow *self, const DpPersonalizeReport *r)
{
  g_autofree char *heldout = before_after (r->heldout_before, r->heldout_after);
  g_autofree char *anchor = g_strdup_printf ("%.2f %% → %.2f %%", 100.0 * r->anchor_before,
                                             100.0 * r->anchor_after);
  g_autofree char *note =
    g_strdup_printf (_("Your handwriting: each of %d samples read by a model trained without it. "
                       "MNIST: its test digits. Trained on %d samples (%d left out) mixed with "
                       "%d MNIST digits, in %.1f s."),
                     r->n_heldout, r->n_used, r->n_skipped, r->n_anchor, r->seconds);

  gtk_label_set_label (self->heldout_label, heldout);
  gtk_label_set_label (self->anchor_label, anchor);
  gtk_label_set_label (self->figures_note, note);
  g_debug ("personalize: figures held out %s, MNIST %s", heldout, anchor);
}

/* --- MNIST --------------------------------------------------------------------------------- */

static void
on_data_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DpPersonalizeWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  DpMnistData *data = dp_mnist_data_load_finish (result, &error);

  if (self->disposed)
    {
      g_clear_pointer (&data, dp_mnist_data_unref);
      return;
    }
  g_clear_object (&self->load_cancellable);
  if (data == NULL)
    {
      show_missing (self, NULL, error->message);
      return;
    }
  self->data = data;
  show_ready (self, NULL);
}

static void
load_data (DpPersonalizeWindow *self)
{
  const char *why;
  g_autofree char *dir = dp_mnist_data_find_dir (self->settings, &why);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *text = g_strdup_printf (_("There is no MNIST in %s."), dir);
      show_missing (self, dir, text);
      return;
    }
  show_state (self, "loading", STATE_LOADING, "folder-download-symbolic", _("Reading MNIST…"),
              dir);
  self->load_cancellable = g_cancellable_new ();
  dp_mnist_data_load_async (dir, self->load_cancellable, on_data_loaded_cb, g_object_ref (self));
}

/* --- the run ------------------------------------------------------------------------------- */

static void
on_progress_cb (DpPersonalizer *personalizer, double fraction, const char *what,
                DpPersonalizeWindow *self)
{
  gtk_progress_bar_set_fraction (self->progress, fraction);
  gtk_label_set_label (self->progress_label, what);
}

static void
on_run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DpPersonalizeWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpPersonalizeOutcome) outcome =
    dp_personalizer_run_finish (DP_PERSONALIZER (source), result, &error);

  if (self->disposed)
    return;
  if (outcome == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      show_ready (self, _("Stopped: nothing was changed."));
      return;
    }
  if (outcome == NULL)
    {
      show_state (self, "failed", STATE_DONE, "dialog-error-symbolic", _("Could Not Personalize"),
                  error->message);
      gtk_widget_set_visible (self->figures, FALSE);
      return;
    }
  show_figures (self, &outcome->report);
  if (outcome->network == NULL)
    {
      g_autofree char *words = g_strdup_printf (_("%s\n\n%s stays in use."),
                                                outcome->refusal->message,
                                                dp_model_store_get_name (self->models));
      show_state (self, "refused", STATE_DONE, "dialog-warning-symbolic",
                  _("The Current Model Stays"), words);
      return;
    }
  {
    g_autofree char *title = dp_personal_model_title (outcome->network);
    g_autofree char *words =
      g_strdup_printf (_("%s, made from %s, reads the pad now. It is kept in %s and used again "
                         "at the next start; the Model menu's Reset goes back to the built-in "
                         "model."), title, outcome->base_name, outcome->path);
    const char *const paths[] = { outcome->path, NULL };

    dp_model_store_set_model (self->models, g_steal_pointer (&outcome->network), title, paths);
    show_state (self, "done", STATE_DONE, "emblem-ok-symbolic",
                _("Your Personal Model Is in Use"), words);
  }
}

static void
start_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpPersonalizeWindow *self = DP_PERSONALIZE_WINDOW (widget);
  const DpNetwork *model = dp_model_store_get_model (self->models);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) builtin = g_resources_lookup_data (DP_BUILTIN_MODEL_RESOURCE,
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, &error);

  if (self->data == NULL || model == NULL || dp_personalizer_get_running (self->personalizer)
      || dp_samples_get_n (self->samples) == 0)
    return;
  if (builtin == NULL)
    {
      show_state (self, "failed", STATE_DONE, "dialog-error-symbolic", _("Could Not Personalize"),
                  error->message);
      return;
    }
  gtk_progress_bar_set_fraction (self->progress, 0);
  gtk_label_set_label (self->progress_label, "");
  show_state (self, "running", STATE_RUNNING, "document-edit-symbolic",
              _("Personalizing…"), _("Reading your samples and fine-tuning the model's last "
                                     "layer. The window stays usable."));
  dp_personalizer_run_async (self->personalizer, model, dp_model_store_get_name (self->models),
                             dp_samples_get_records (self->samples), builtin, self->data,
                             on_run_done_cb, g_object_ref (self));
}

static void
stop_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_personalizer_stop (DP_PERSONALIZE_WINDOW (widget)->personalizer);
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_personalize_window_dispose (GObject *object)
{
  DpPersonalizeWindow *self = DP_PERSONALIZE_WINDOW (object);

  if (!self->disposed)
    {
      self->disposed = TRUE;
      g_cancellable_cancel (self->load_cancellable);
      g_clear_object (&self->load_cancellable);
      g_signal_handlers_disconnect_by_data (self->personalizer, self);
      /* a run's model is never written half: the worker finishes or stops first */
      dp_personalizer_stop_and_wait (self->personalizer);
    }
  g_clear_object (&self->personalizer);
  g_clear_object (&self->models);
  g_clear_object (&self->samples);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->data, dp_mnist_data_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_PERSONALIZE_WINDOW);
  G_OBJECT_CLASS (dp_personalize_window_parent_class)->dispose (object);
}

static void
dp_personalize_window_class_init (DpPersonalizeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_personalize_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-personalize-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpPersonalizeWindow, name)
  BIND (status);
  BIND (progress_box);
  BIND (progress);
  BIND (progress_label);
  BIND (figures);
  BIND (heldout_label);
  BIND (anchor_label);
  BIND (figures_note);
  BIND (close_button);
  BIND (stop_button);
  BIND (start_button);
#undef BIND
  gtk_widget_class_install_action (widget_class, "personalize.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "personalize.stop", NULL, stop_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dp_personalize_window_init (DpPersonalizeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->personalizer = dp_personalizer_new ();
  g_signal_connect (self->personalizer, "progress", G_CALLBACK (on_progress_cb), self);
  dp_debug_watch_named (GTK_WIDGET (self), "personalize-bounds: ");
}

DpPersonalizeWindow *
dp_personalize_window_new (GtkWindow *parent, DpModelStore *models, DpSamples *samples,
                           GSettings *settings)
{
  DpPersonalizeWindow *self;

  g_return_val_if_fail (DP_IS_MODEL_STORE (models), NULL);
  g_return_val_if_fail (DP_IS_SAMPLES (samples), NULL);

  self = g_object_new (DP_TYPE_PERSONALIZE_WINDOW, "transient-for", parent,
                       "destroy-with-parent", TRUE, NULL);
  self->models = g_object_ref (models);
  self->samples = g_object_ref (samples);
  self->settings = settings ? g_object_ref (settings) : NULL;
  if (dp_samples_get_n (samples) == 0)
    show_ready (self, NULL);
  else
    load_data (self);
  return self;
}
