/* dp-train-data.c: DpTrainData, where MNIST comes from (see the header).
 *
 * States, each with its icon, title and words: looking/loading (a spinner), loaded (a check
 * mark), never fetched (a neutral first-run state: what MNIST is, its size, that it is verified
 * after the download), damaged (a warning: files that are there but fail their checks), and a
 * failed download (offline: "No Internet Connection" and Try Again; the per-mirror details stay
 * behind an expander).
 *
 * Every async callback holds a reference and checks `shut_down` first: shutdown cancels the load
 * and the download; a download removes its temporary files when it completes, which the
 * application hold taken at its start lets happen after the window is gone. */
#include "dp-train-data.h"

#include <glib/gi18n.h>

#include "dp-application.h"
#include "dp-file-chooser.h"
#include "dp-mnist-download.h"

struct _DpTrainData
{
  AdwBin parent_instance;

  /* template */
  GtkStack *icon_stack;
  GtkSpinner *spinner;
  GtkLabel *title;
  GtkLabel *detail;
  GtkExpander *details_expander;
  GtkLabel *details_label;
  GtkWidget *download_box;
  GtkProgressBar *download_progress;
  GtkLabel *download_label;
  GtkButton *download_button;

  gboolean shut_down;
  gboolean discovered;
  char *dir;                      /* the folder shown, even if it failed to load */
  DpMnistData *data;              /* loaded, or NULL */
  GCancellable *load_cancellable;
  DpMnistDownload *download;      /* while downloading */
  GCancellable *download_cancellable;
};

G_DEFINE_FINAL_TYPE (DpTrainData, dp_train_data, ADW_TYPE_BIN)

enum { PROP_0, PROP_DATA, PROP_DOWNLOADING, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* the size of the four gzipped files, for people */
#define MNIST_SIZE_TEXT "11 MB"

static GSettings *
data_settings (void)
{
  GApplication *app = g_application_get_default ();
  if (app == NULL || !DP_IS_APPLICATION (app))
    return NULL;
  GSettings *settings = dp_application_get_settings (DP_APPLICATION (app));
  if (settings == NULL)
    return NULL;
  g_autoptr (GSettingsSchema) schema = NULL;
  g_object_get (settings, "settings-schema", &schema, NULL);
  return schema && g_settings_schema_has_key (schema, "mnist-directory") ? settings : NULL;
}

static void
remember_data_dir (const char *dir)
{
  GSettings *settings = data_settings ();
  if (settings != NULL)
    g_settings_set_string (settings, "mnist-directory", dir);
}

/* state: "loading", "ok", "missing", "damaged", "offline" or "failed" (the icon stack's page
 * names); details: the raw text behind the expander, or NULL for none. The debug line is what
 * the GUI tests read. */
static void
show_state (DpTrainData *self, const char *state, const char *title, const char *detail,
            const char *details)
{
  gboolean failed = g_str_equal (state, "offline") || g_str_equal (state, "failed");
  gboolean first_run = g_str_equal (state, "missing");

  gtk_stack_set_visible_child_name (self->icon_stack, state);
  gtk_spinner_set_spinning (self->spinner, g_str_equal (state, "loading"));
  gtk_label_set_text (self->title, title);
  gtk_label_set_text (self->detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail), detail != NULL && *detail != '\0');
  gtk_label_set_text (self->details_label, details ? details : "");
  gtk_expander_set_expanded (self->details_expander, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->details_expander), details != NULL);
  gtk_button_set_label (self->download_button, failed ? _("_Try Again") : _("Download _MNIST"));
  /* the way forward is the suggested action: the download when there is no data */
  if (failed || first_run)
    gtk_widget_add_css_class (GTK_WIDGET (self->download_button), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->download_button), "suggested-action");
  g_debug ("train: data state %s: %s | %s | button %s", state, title, detail ? detail : "",
           gtk_button_get_label (self->download_button));
}

static void
set_data (DpTrainData *self, DpMnistData *data)
{
  if (self->data == data)
    return;
  g_clear_pointer (&self->data, dp_mnist_data_unref);
  self->data = data ? dp_mnist_data_ref (data) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATA]);
}

/* ---------- loading ---------- */

static void
on_data_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DpTrainData) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpMnistData) data = dp_mnist_data_load_finish (result, &error);

  if (self->shut_down || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->load_cancellable);
  if (data == NULL)
    {
      g_debug ("train: data error: %s", error->message);
      show_state (self, "damaged", _("MNIST is missing or damaged"), error->message, NULL);
      return;
    }
  g_autofree char *detail = g_strdup_printf (_("%d training and %d test images in %s"),
                                             data->train->n, data->test->n, data->dir);
  show_state (self, "ok", _("MNIST Is Ready"), detail, NULL);
  g_debug ("train: data ok %s: %d train, %d test", data->dir, data->train->n, data->test->n);
  set_data (self, data);
}

static void
load_data (DpTrainData *self, const char *dir)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  set_data (self, NULL);
  g_free (self->dir);
  self->dir = g_strdup (dir);
  self->load_cancellable = g_cancellable_new ();
  show_state (self, "loading", _("Loading MNIST…"), dir, NULL);
  dp_mnist_data_load_async (dir, self->load_cancellable, on_data_loaded_cb, g_object_ref (self));
}

void
dp_train_data_discover (DpTrainData *self)
{
  g_return_if_fail (DP_IS_TRAIN_DATA (self));
  if (self->discovered || self->shut_down)
    return;
  self->discovered = TRUE;

  const char *why;
  g_autofree char *dir = dp_mnist_data_find_dir (data_settings (), &why);

  g_debug ("train: looking for MNIST in %s (%s)", dir, why);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) && g_str_equal (why, "default"))
    {
      /* never fetched: the first run, not an error */
      g_free (self->dir);
      self->dir = g_strdup (dir);
      g_autofree char *detail =
        g_strdup_printf (_("The 70 000 handwritten digits this page trains on. Download them "
                           "(" MNIST_SIZE_TEXT ", each file checked against its known checksum) "
                           "into %s, or choose a folder that already holds the four files."),
                         dir);
      g_debug ("train: data error: no MNIST in %s", dir);
      show_state (self, "missing", _("Get the MNIST Digits"), detail, NULL);
      return;
    }
  load_data (self, dir);
}

DpMnistData *
dp_train_data_get_data (DpTrainData *self)
{
  g_return_val_if_fail (DP_IS_TRAIN_DATA (self), NULL);
  return self->data;
}

gboolean
dp_train_data_get_downloading (DpTrainData *self)
{
  g_return_val_if_fail (DP_IS_TRAIN_DATA (self), FALSE);
  return self->download != NULL;
}

/* ---------- downloading ---------- */

static void
on_download_progress_cb (DpMnistDownload *dl, GParamSpec *pspec, DpTrainData *self)
{
  gtk_progress_bar_set_fraction (self->download_progress, dp_mnist_download_get_fraction (dl));
  gtk_label_set_text (self->download_label, dp_mnist_download_get_status (dl));
}

static void
show_download_error (DpTrainData *self, DpMnistDownload *dl, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    {
      guint n = g_strv_length ((char **) dp_mnist_download_get_mirrors (dl));
      g_autofree char *detail =
        g_strdup_printf (ngettext ("The MNIST mirror could not be reached. Check the connection, "
                                   "then try again.",
                                   "None of the %u MNIST mirrors could be reached. Check the "
                                   "connection, then try again.", n), n);
      show_state (self, "offline", _("No Internet Connection"), detail, error->message);
    }
  else
    show_state (self, "failed", _("The Download Failed"),
                _("No mirror served a verified copy of every file. Nothing was kept; the details "
                  "say what each mirror did."), error->message);
}

static void
on_download_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DpTrainData) self = user_data;
  g_autoptr (GError) error = NULL;
  DpMnistDownload *dl = DP_MNIST_DOWNLOAD (source);
  gboolean ok = dp_mnist_download_run_finish (dl, result, &error);

  g_signal_handlers_disconnect_by_data (dl, self);
  g_autoptr (DpMnistDownload) done = g_steal_pointer (&self->download);
  g_clear_object (&self->download_cancellable);
  if (g_application_get_default () != NULL)
    g_application_release (g_application_get_default ());
  if (self->shut_down)
    return;
  gtk_widget_set_visible (self->download_box, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADING]);
  if (ok)
    {
      const char *dir = dp_mnist_download_get_directory (dl);
      remember_data_dir (dir);
      load_data (self, dir);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("train: download cancelled");
  else
    {
      g_debug ("train: download failed: %s", error->message);
      show_download_error (self, dl, error);
    }
}

void
dp_train_data_download (DpTrainData *self)
{
  g_return_if_fail (DP_IS_TRAIN_DATA (self));
  g_autofree char *dir = dp_mnist_data_default_dir ();

  if (self->download != NULL || self->shut_down)
    return;
  self->download = dp_mnist_download_new (dir);
  self->download_cancellable = g_cancellable_new ();
  g_signal_connect (self->download, "notify::fraction", G_CALLBACK (on_download_progress_cb),
                    self);
  g_signal_connect (self->download, "notify::status", G_CALLBACK (on_download_progress_cb), self);
  gtk_progress_bar_set_fraction (self->download_progress, 0);
  gtk_label_set_text (self->download_label, _("Connecting…"));
  gtk_widget_set_visible (self->download_box, TRUE);
  g_debug ("train: download into %s", dir);
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());
  dp_mnist_download_run_async (self->download, self->download_cancellable, on_download_done_cb,
                               g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADING]);
}

void
dp_train_data_cancel_download (DpTrainData *self)
{
  g_return_if_fail (DP_IS_TRAIN_DATA (self));
  g_cancellable_cancel (self->download_cancellable);
}

/* ---------- choosing a folder ---------- */

static void
on_folder_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpTrainData *self = DP_TRAIN_DATA (owner);
  g_autofree char *path = g_file_get_path (file);

  if (!self->shut_down && path != NULL)
    {
      remember_data_dir (path);
      load_data (self, path);
    }
}

void
dp_train_data_choose_folder (DpTrainData *self)
{
  g_return_if_fail (DP_IS_TRAIN_DATA (self));
  GtkFileChooser *chooser =
    dp_file_chooser_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                         _("Choose the MNIST Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                         _("_Use Folder"), NULL, NULL);
  if (self->dir && g_file_test (self->dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) current = g_file_new_for_path (self->dir);
      gtk_file_chooser_set_file (chooser, current, NULL);
    }
  dp_file_chooser_run (chooser, G_OBJECT (self), on_folder_chosen_cb, NULL);
}

/* ---------- GObject ---------- */

void
dp_train_data_shutdown (DpTrainData *self)
{
  g_return_if_fail (DP_IS_TRAIN_DATA (self));
  if (self->shut_down)
    return;
  self->shut_down = TRUE;
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_cancellable_cancel (self->download_cancellable);
}

static void
dp_train_data_dispose (GObject *object)
{
  DpTrainData *self = DP_TRAIN_DATA (object);
  dp_train_data_shutdown (self);
  g_clear_pointer (&self->data, dp_mnist_data_unref);
  /* the bin lets go of its child first: dispose_template unparents a bound child, and
   * AdwBin would then unparent it again */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_TRAIN_DATA);
  G_OBJECT_CLASS (dp_train_data_parent_class)->dispose (object);
}

static void
dp_train_data_finalize (GObject *object)
{
  g_free (DP_TRAIN_DATA (object)->dir);
  G_OBJECT_CLASS (dp_train_data_parent_class)->finalize (object);
}

static void
dp_train_data_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  DpTrainData *self = DP_TRAIN_DATA (object);
  switch (id)
    {
    case PROP_DATA: g_value_set_pointer (value, self->data); break;
    case PROP_DOWNLOADING: g_value_set_boolean (value, self->download != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dp_train_data_class_init (DpTrainDataClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_train_data_dispose;
  object_class->finalize = dp_train_data_finalize;
  object_class->get_property = dp_train_data_get_property;

  properties[PROP_DATA] = g_param_spec_pointer ("data", NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOWNLOADING] = g_param_spec_boolean ("downloading", NULL, NULL, FALSE,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-train-data.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpTrainData, name)
  BIND (icon_stack);
  BIND (spinner);
  BIND (title);
  BIND (detail);
  BIND (details_expander);
  BIND (details_label);
  BIND (download_box);
  BIND (download_progress);
  BIND (download_label);
  BIND (download_button);
#undef BIND
}

static void
dp_train_data_init (DpTrainData *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  show_state (self, "loading", _("MNIST"), _("Looking for the data set…"), NULL);
}

