/* dp-train-page.c: DpTrainPage, the Train tab. It puts four parts together and owns what they
 * share: the trainer and the train.* actions.
 *   DpTrainData     finds, loads or downloads MNIST and exposes the data;
 *   DpTrainForm     the settings: one DpTrainConfig and whether it is valid;
 *   DpTrainRunView  a run as it happens, listening to the trainer;
 *   DpTrainResults  what a finished run gives, and Use / Save / Export.
 * The application's model changes only on "Use This Model": stopping or failing leaves it as it
 * was.
 *
 * Every async callback holds a reference on the page and checks `disposed` first: leaving the
 * window cancels what the page started and waits for the training worker to wind down (within a
 * fraction of a second), so quitting mid-run leaves no thread, no pending callback and no
 * temporary file behind. */
#include "dp-train-page.h"

#include "dp-debug.h"
#include "dp-train-data.h"
#include "dp-train-form.h"
#include "dp-train-results.h"
#include "dp-train-run-view.h"
#include "dp-trainer.h"

struct _DpTrainPage
{
  GtkWidget parent_instance;

  /* template; scroller is bound so that dispose_template unparents it (the page's only child) */
  GtkWidget *scroller;
  DpTrainData *data;
  DpTrainForm *form;
  GtkWidget *start_button;
  GtkWidget *stop_button;
  DpTrainRunView *run_view;
  DpTrainResults *results;

  DpTrainer *trainer;
  gboolean disposed;
};

G_DEFINE_FINAL_TYPE (DpTrainPage, dp_train_page, GTK_TYPE_WIDGET)

static void
update_actions (DpTrainPage *self)
{
  gboolean running = dp_trainer_get_running (self->trainer);
  gboolean downloading = dp_train_data_get_downloading (self->data);
  gboolean has_result = dp_train_results_has_result (self->results);
  GtkWidget *w = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (w, "train.start", dp_train_data_get_data (self->data) != NULL
                                                     && dp_train_form_get_valid (self->form)
                                                     && !running && !downloading);
  gtk_widget_action_set_enabled (w, "train.stop", running);
  gtk_widget_action_set_enabled (w, "train.download", !downloading && !running);
  gtk_widget_action_set_enabled (w, "train.cancel-download", downloading);
  gtk_widget_action_set_enabled (w, "train.choose-folder", !downloading && !running);
  gtk_widget_action_set_enabled (w, "train.use-model", has_result);
  gtk_widget_action_set_enabled (w, "train.save-model", has_result);
  gtk_widget_action_set_enabled (w, "train.export-theta",
                                 dp_train_results_can_export (self->results));
  dp_train_form_set_locked (self->form, running);
  gtk_widget_set_visible (self->start_button, !running);
  gtk_widget_set_visible (self->stop_button, running);
}

static void
on_state_notify_cb (GObject *object, GParamSpec *pspec, DpTrainPage *self)
{
  update_actions (self);
}

/* ---------- train.start, train.stop ---------- */

static void
on_train_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (DpTrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  DpTrainResult *result = dp_trainer_run_finish (DP_TRAINER (source), res, &error);

  if (self->disposed)
    {
      dp_train_result_free (result);
      return;
    }
  dp_train_run_view_finish (self->run_view, result, error);
  if (result != NULL)
    dp_train_results_show (self->results, result);
  update_actions (self);
}

static void
start_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  DpMnistData *data = dp_train_data_get_data (self->data);
  const DpTrainConfig *config = dp_train_form_get_config (self->form);

  if (!dp_train_form_get_valid (self->form) || data == NULL
      || dp_trainer_get_running (self->trainer))
    return;
  dp_train_run_view_start (self->run_view, config);
  /* the trainer takes its own copy; the result carries it back */
  dp_trainer_run_async (self->trainer, config, data, on_train_done_cb, g_object_ref (self));
  update_actions (self);
}

static void
stop_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);

  if (!dp_trainer_get_running (self->trainer))
    return;
  dp_trainer_stop (self->trainer);
  dp_train_run_view_stopping (self->run_view);
}

/* ---------- the other train.* actions: each part does its own ---------- */

static void
download_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_train_data_download (DP_TRAIN_PAGE (widget)->data);
}

static void
cancel_download_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_train_data_cancel_download (DP_TRAIN_PAGE (widget)->data);
}

static void
choose_folder_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_train_data_choose_folder (DP_TRAIN_PAGE (widget)->data);
}

static void
use_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_train_results_use_model (DP_TRAIN_PAGE (widget)->results);
}

static void
save_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_train_results_save_model (DP_TRAIN_PAGE (widget)->results);
}

static void
export_theta_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_train_results_export_theta (DP_TRAIN_PAGE (widget)->results);
}

/* ---------- GtkWidget ---------- */

static void
dp_train_page_map (GtkWidget *widget)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  GTK_WIDGET_CLASS (dp_train_page_parent_class)->map (widget);
  /* 200 MB of images are only read once someone opens this page */
  dp_train_data_discover (self->data);
}

/* Stops everything the page started. Called when the page leaves its window (the window is
 * being destroyed: GTK 4 disposes a widget only when its last reference goes, and a pending
 * callback holds one) and again from dispose. */
static void
dp_train_page_shutdown (DpTrainPage *self)
{
  if (self->disposed)
    return;
  self->disposed = TRUE;
  dp_train_data_shutdown (self->data);
  /* a pending load, download or chooser may keep the parts alive after the page */
  g_signal_handlers_disconnect_by_data (self->data, self);
  g_signal_handlers_disconnect_by_data (self->form, self);
  dp_train_run_view_set_trainer (self->run_view, NULL);
  g_signal_handlers_disconnect_by_data (self->trainer, self);
  dp_trainer_stop_and_wait (self->trainer);
}

static void
dp_train_page_unroot (GtkWidget *widget)
{
  dp_train_page_shutdown (DP_TRAIN_PAGE (widget));
  GTK_WIDGET_CLASS (dp_train_page_parent_class)->unroot (widget);
}

static void
dp_train_page_dispose (GObject *object)
{
  DpTrainPage *self = DP_TRAIN_PAGE (object);

  if (self->data != NULL)
    dp_train_page_shutdown (self);
  g_clear_object (&self->trainer);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_TRAIN_PAGE);
  G_OBJECT_CLASS (dp_train_page_parent_class)->dispose (object);
}

static void
dp_train_page_class_init (DpTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_train_page_dispose;
  widget_class->map = dp_train_page_map;
  widget_class->unroot = dp_train_page_unroot;

  g_type_ensure (DP_TYPE_TRAIN_DATA);
  g_type_ensure (DP_TYPE_TRAIN_FORM);
  g_type_ensure (DP_TYPE_TRAIN_RUN_VIEW);
  g_type_ensure (DP_TYPE_TRAIN_RESULTS);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-train-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dptrainpage");

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpTrainPage, name)
  BIND (scroller);
  BIND (data);
  BIND (form);
  BIND (start_button);
  BIND (stop_button);
  BIND (run_view);
  BIND (results);
#undef BIND

  gtk_widget_class_install_action (widget_class, "train.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "train.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "train.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "train.cancel-download", NULL,
                                   cancel_download_action);
  gtk_widget_class_install_action (widget_class, "train.choose-folder", NULL,
                                   choose_folder_action);
  gtk_widget_class_install_action (widget_class, "train.use-model", NULL, use_model_action);
  gtk_widget_class_install_action (widget_class, "train.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "train.export-theta", NULL,
                                   export_theta_action);
}

static void
load_css_once (void)
{
  static gboolean done = FALSE;
  GdkDisplay *display = gdk_display_get_default ();
  if (done || display == NULL)
    return;
  done = TRUE;
  GtkCssProvider *provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/digitpad/Digitpad/ui/dp-train-page.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (provider);
}

static void
dp_train_page_init (DpTrainPage *self)
{
  load_css_once ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->trainer = dp_trainer_new ();
  dp_train_run_view_set_trainer (self->run_view, self->trainer);
  g_signal_connect (self->trainer, "notify::running", G_CALLBACK (on_state_notify_cb), self);
  g_signal_connect (self->data, "notify::data", G_CALLBACK (on_state_notify_cb), self);
  g_signal_connect (self->data, "notify::downloading", G_CALLBACK (on_state_notify_cb), self);
  g_signal_connect (self->form, "notify::valid", G_CALLBACK (on_state_notify_cb), self);
  update_actions (self);
  /* test scaffolding: the layout log the GUI tests click by (a no-op unless debug is on) */
  dp_debug_train_layout_watch (GTK_WIDGET (self));
}
