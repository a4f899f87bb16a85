/* dp-train-page.c: DpTrainPage, the Train tab.
 *
 * Data: on first map it looks for MNIST (DIGITPAD_MNIST_DIR, then the folder remembered in
 * GSettings "mnist-directory", then $XDG_DATA_HOME/digitpad/mnist) and loads it in a worker
 * (DpMnistData); "Download MNIST" fetches a verified copy into the last of those, "Choose
 * Folder…" points at an existing one. Settings: a preset fills the fields, every field stays
 * editable, and each edit re-parses the whole form into a DpTrainConfig: a bad value gets the
 * "error" style at its field, the engine's own validation catches the rest, and train.start is
 * disabled until it all holds. Running: DpTrainer owns the worker; this page only turns its
 * signals into the progress bar, the chart and the epoch table. Results: the worker also
 * evaluated the network on the test set, so the matrix, the per-digit table and the gallery
 * are read from memory. The application's model changes only on "Use This Model": stopping or
 * failing leaves it as it was.
 *
 * Every async callback holds a reference on the page and checks `disposed` first: dispose
 * cancels what the page started and waits for the training worker and a download to wind
 * down (each within a fraction of a second), so quitting mid-run leaves no thread, no pending
 * callback and no temporary file behind. */
#include "dp-train-page.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dp-application.h"
#include "dp-chart.h"
#include "dp-confusion-view.h"
#include "dp-file-chooser.h"
#include "dp-gallery.h"
#include "dp-mnist-download.h"
#include "dp-trainer.h"
#include "engine/engine.h"

#define GALLERY_MAX 200 /* images shown for one cell */

static const char * const preset_ids[] = { "classic", "tiny", "deep", "quick", "best" };
static const char * const preset_titles[] = { "Classic", "Tiny", "Deep", "Quick", "Best" };
static const char * const preset_blurbs[] = {
  "784-100-10 sigmoid, regularised cross-entropy, L-BFGS on the full batch: the classic "
  "tutorial (97.4 % test).",
  "784-16-16-10 sigmoid with squared error and plain SGD: small enough to follow by hand.",
  "Five ReLU layers, softmax, Adam and L2.",
  "One wide ReLU layer and Adam: 98 % in well under a minute.",
  "Two 800-unit ReLU layers, dropout and distorted images: above 99.3 %, slowly.",
};
#define N_PRESETS G_N_ELEMENTS (preset_ids)
#define DEFAULT_PRESET 3 /* Quick */

/* dropdown position ↔ engine enum */
static const DpActivation activations[] = { DP_ACTIVATION_SIGMOID, DP_ACTIVATION_TANH,
                                            DP_ACTIVATION_RELU };
static const DpLoss losses[] = { DP_LOSS_SOFTMAX_CE, DP_LOSS_SIGMOID_CE, DP_LOSS_MSE };
static const DpOptimizerKind optimizers[] = { DP_OPTIMIZER_SGD, DP_OPTIMIZER_MOMENTUM,
                                              DP_OPTIMIZER_ADAM, DP_OPTIMIZER_LBFGS };

struct _DpTrainPage
{
  GtkWidget parent_instance;

  /* template */
  GtkWidget *scroller;
  GtkStack *data_icon_stack;
  GtkSpinner *data_spinner;
  GtkLabel *data_title;
  GtkLabel *data_label;
  GtkWidget *download_box;
  GtkProgressBar *download_progress;
  GtkLabel *download_label;
  GtkWidget *download_button;
  GtkWidget *choose_button;
  GtkDropDown *preset_dropdown;
  GtkLabel *preset_description;
  GtkWidget *hidden_entry;
  GtkDropDown *activation_dropdown;
  GtkDropDown *loss_dropdown;
  GtkDropDown *optimizer_dropdown;
  GtkWidget *lr_entry;
  GtkWidget *batch_entry;
  GtkLabel *epochs_label;
  GtkWidget *epochs_entry;
  GtkWidget *l2_entry;
  GtkWidget *dropout_entry;
  GtkSwitch *augment_switch;
  GtkWidget *seed_entry;
  GtkWidget *limit_entry;
  GtkLabel *settings_error;
  GtkWidget *start_button;
  GtkWidget *stop_button;
  GtkLabel *progress_label;
  GtkLabel *speed_label;
  GtkProgressBar *progress_bar;
  DpChart *chart;
  GtkGrid *epoch_grid;
  GtkWidget *epoch_scroller;
  GtkGrid *class_grid;
  GtkLabel *accuracy_label;
  GtkLabel *accuracy_caption;
  GtkWidget *use_button;
  GtkWidget *save_button;
  GtkWidget *export_button;
  GtkLabel *file_status;
  DpConfusionView *confusion;
  GtkRevealer *gallery_revealer;
  GtkLabel *gallery_title;
  GtkWidget *gallery_close;
  DpGallery *gallery;

  gboolean disposed;
  gboolean discovered;

  /* data */
  char *data_dir;                 /* the folder shown, even if it failed to load */
  DpMnistData *data;              /* loaded, or NULL */
  GCancellable *load_cancellable;
  DpMnistDownload *download;      /* while downloading */
  GCancellable *download_cancellable;

  /* settings */
  DpTrainConfig config;
  gboolean config_valid;
  gboolean filling;               /* the fields are being set from a preset */

  /* run */
  DpTrainer *trainer;
  DpTrainConfig run_config;
  int n_epoch_rows;
  gboolean stopping;              /* Stop was pressed: the label says so until the run ends */

  /* results */
  DpTrainResult *result;
  DpMnistData *result_data;       /* the test set the result was evaluated on */
  DpTrainConfig result_config;
  GtkLabel *class_cells[11][4];   /* (digit 0-9 then the macro average, precision/recall/F1/
                                   * images): the table's value cells */
  GCancellable *file_cancellable;
  char *last_layout;
  GdkFrameClock *frame_clock;     /* while mapped */
  gulong after_paint_id;
};

G_DEFINE_FINAL_TYPE (DpTrainPage, dp_train_page, GTK_TYPE_WIDGET)

static void update_actions (DpTrainPage *self);
static void load_data (DpTrainPage *self, const char *dir);

/* ---------- helpers ---------- */

static GSettings *
page_settings (void)
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

static char *
default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "digitpad", "mnist", NULL);
}

static const char *
entry_text (GtkWidget *entry)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

static void
set_entry_text (GtkWidget *entry, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

static void
mark_field (GtkWidget *widget, gboolean bad)
{
  if (bad)
    gtk_widget_add_css_class (widget, "error");
  else
    gtk_widget_remove_css_class (widget, "error");
}

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

static gboolean
parse_int (const char *text, gint64 min, gint64 max, gint64 *out)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  return g_ascii_string_to_signed (t, 10, min, max, out, NULL);
}

static gboolean
parse_double (const char *text, double *out)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  char *end = NULL;
  if (*t == '\0')
    return FALSE;
  double v = g_ascii_strtod (t, &end);
  if (end == t || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static char *
format_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

static gboolean
is_classic_shaped (const DpNetwork *net)
{
  /* dp_theta_export's condition: 784-h-10, sigmoid hidden units and sigmoid outputs */
  return net->n_layers == 2 && net->sizes[0] == DP_INPUT_SIZE
         && net->sizes[2] == DP_N_CLASSES && net->activation == DP_ACTIVATION_SIGMOID
         && net->loss != DP_LOSS_SOFTMAX_CE;
}

/* ---------- layout log (GUI tests click on these) ---------- */

static void
append_bounds (GString *s, GtkWidget *root, const char *name, GtkWidget *widget)
{
  graphene_rect_t b;
  double sx, sy;
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_compute_bounds (widget, root, &b))
    return;
  gtk_native_get_surface_transform (GTK_NATIVE (root), &sx, &sy);
  g_string_append_printf (s, " %s=%d,%d,%d,%d", name, (int) (b.origin.x + sx),
                          (int) (b.origin.y + sy), (int) b.size.width, (int) b.size.height);
}

static void
log_layout (DpTrainPage *self)
{
  /* it runs after every frame: test scaffolding (the GUI tests run with
   * G_MESSAGES_DEBUG=Digitpad and click by these lines), skipped when nobody reads them */
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));
  if (root == NULL || !GTK_IS_NATIVE (root) || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  g_autoptr (GString) s = g_string_new (NULL);
  append_bounds (s, root, "page", GTK_WIDGET (self));
  append_bounds (s, root, "preset", GTK_WIDGET (self->preset_dropdown));
  append_bounds (s, root, "hidden", self->hidden_entry);
  append_bounds (s, root, "lr", self->lr_entry);
  append_bounds (s, root, "epochs", self->epochs_entry);
  append_bounds (s, root, "limit", self->limit_entry);
  append_bounds (s, root, "start", self->start_button);
  append_bounds (s, root, "stop", self->stop_button);
  append_bounds (s, root, "use", self->use_button);
  append_bounds (s, root, "save", self->save_button);
  append_bounds (s, root, "export", self->export_button);
  append_bounds (s, root, "download", self->download_button);
  append_bounds (s, root, "choose", self->choose_button);
  append_bounds (s, root, "chart", GTK_WIDGET (self->chart));
  append_bounds (s, root, "confusion", GTK_WIDGET (self->confusion));
  double cx, cy;
  graphene_point_t p, q;
  double sx, sy;
  gtk_native_get_surface_transform (GTK_NATIVE (root), &sx, &sy);
  /* the cell "true 4, predicted 9" for tests that open the gallery */
  if (dp_confusion_view_cell_center (self->confusion, 4, 9, &cx, &cy)
      && gtk_widget_get_mapped (GTK_WIDGET (self->confusion)))
    {
      p = GRAPHENE_POINT_INIT (cx, cy);
      if (gtk_widget_compute_point (GTK_WIDGET (self->confusion), root, &p, &q))
        g_string_append_printf (s, " cell49=%d,%d", (int) (q.x + sx), (int) (q.y + sy));
    }
  if (g_strcmp0 (s->str, self->last_layout) != 0)
    {
      g_debug ("train-bounds:%s", s->str);
      g_free (self->last_layout);
      self->last_layout = g_strdup (s->str);
    }
}

static void
on_scrolled_cb (GtkAdjustment *adj, DpTrainPage *self)
{
  log_layout (self);
}

/* after each frame that was laid out: what moved (a row added, a button swapped) is logged
 * once it is on screen; log_layout prints only what changed */
static void
on_after_paint_cb (GdkFrameClock *clock, DpTrainPage *self)
{
  if (!self->disposed)
    log_layout (self);
}

/* ---------- data ---------- */

static void
show_data_state (DpTrainPage *self, const char *state, const char *title, const char *detail)
{
  gtk_stack_set_visible_child_name (self->data_icon_stack, state);
  gtk_spinner_set_spinning (self->data_spinner, g_str_equal (state, "loading"));
  gtk_label_set_text (self->data_title, title);
  gtk_label_set_text (self->data_label, detail ? detail : "");
}

static void
on_data_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DpTrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpMnistData) data = dp_mnist_data_load_finish (result, &error);

  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->load_cancellable);
  if (data == NULL)
    {
      g_debug ("train: data error: %s", error->message);
      show_data_state (self, "error", _("MNIST is missing or damaged"), error->message);
      update_actions (self);
      return;
    }
  g_clear_pointer (&self->data, dp_mnist_data_unref);
  self->data = g_steal_pointer (&data);
  g_autofree char *title = g_strdup_printf (_("MNIST: %d training, %d test images"),
                                            self->data->train->n, self->data->test->n);
  show_data_state (self, "ok", title, self->data->dir);
  g_debug ("train: data ok %s: %d train, %d test", self->data->dir, self->data->train->n,
           self->data->test->n);
  update_actions (self);
}

static void
load_data (DpTrainPage *self, const char *dir)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->data, dp_mnist_data_unref);
  g_free (self->data_dir);
  self->data_dir = g_strdup (dir);
  self->load_cancellable = g_cancellable_new ();
  show_data_state (self, "loading", _("Loading MNIST…"), dir);
  update_actions (self);
  dp_mnist_data_load_async (dir, self->load_cancellable, on_data_loaded_cb, g_object_ref (self));
}

static void
discover_data (DpTrainPage *self)
{
  const char *env = g_getenv ("DIGITPAD_MNIST_DIR");
  GSettings *settings = page_settings ();
  g_autofree char *remembered = settings ? g_settings_get_string (settings, "mnist-directory")
                                         : NULL;
  g_autofree char *fallback = default_data_dir ();
  const char *dir, *why;

  if (env != NULL && *env != '\0')
    dir = env, why = "DIGITPAD_MNIST_DIR";
  else if (remembered != NULL && *remembered != '\0')
    dir = remembered, why = "settings";
  else
    dir = fallback, why = "default";
  g_debug ("train: looking for MNIST in %s (%s)", dir, why);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) && g_str_equal (why, "default"))
    {
      g_free (self->data_dir);
      self->data_dir = g_strdup (dir);
      g_autofree char *detail =
        g_strdup_printf (_("No copy in %s yet. Download it (11 MB) or choose a folder that "
                           "holds the four IDX files."), dir);
      g_debug ("train: data error: no MNIST in %s", dir);
      show_data_state (self, "error", _("MNIST not found"), detail);
      update_actions (self);
      return;
    }
  load_data (self, dir);
}

static void
remember_data_dir (const char *dir)
{
  GSettings *settings = page_settings ();
  if (settings != NULL)
    g_settings_set_string (settings, "mnist-directory", dir);
}

static void
on_download_fraction_cb (DpMnistDownload *dl, GParamSpec *pspec, DpTrainPage *self)
{
  gtk_progress_bar_set_fraction (self->download_progress, dp_mnist_download_get_fraction (dl));
  gtk_label_set_text (self->download_label, dp_mnist_download_get_status (dl));
}

static void
on_download_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DpTrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  DpMnistDownload *dl = DP_MNIST_DOWNLOAD (source);
  gboolean ok = dp_mnist_download_run_finish (dl, result, &error);

  g_signal_handlers_disconnect_by_data (dl, self);
  g_autofree char *dir = g_strdup (dp_mnist_download_get_directory (dl));
  g_clear_object (&self->download);
  g_clear_object (&self->download_cancellable);
  if (g_application_get_default () != NULL)
    g_application_release (g_application_get_default ());
  if (self->disposed)
    return;
  gtk_widget_set_visible (self->download_box, FALSE);
  if (ok)
    {
      remember_data_dir (dir);
      load_data (self, dir);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("train: download cancelled");
  else
    {
      g_debug ("train: download failed: %s", error->message);
      show_data_state (self, "error", _("The download failed"), error->message);
    }
  update_actions (self);
}

static void
download_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  g_autofree char *dir = default_data_dir ();

  if (self->download != NULL)
    return;
  self->download = dp_mnist_download_new (dir);
  self->download_cancellable = g_cancellable_new ();
  g_signal_connect (self->download, "notify::fraction", G_CALLBACK (on_download_fraction_cb),
                    self);
  g_signal_connect (self->download, "notify::status", G_CALLBACK (on_download_fraction_cb),
                    self);
  gtk_progress_bar_set_fraction (self->download_progress, 0);
  gtk_label_set_text (self->download_label, _("Connecting…"));
  gtk_widget_set_visible (self->download_box, TRUE);
  g_debug ("train: download into %s", dir);
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());
  dp_mnist_download_run_async (self->download, self->download_cancellable, on_download_done_cb,
                               g_object_ref (self));
  update_actions (self);
}

static void
cancel_download_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  g_cancellable_cancel (self->download_cancellable);
}

static void
on_folder_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpTrainPage *self = DP_TRAIN_PAGE (owner);
  g_autofree char *path = g_file_get_path (file);

  if (!self->disposed && path != NULL)
    {
      remember_data_dir (path);
      load_data (self, path);
    }
}

static void
choose_folder_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  GtkFileChooser *chooser =
    dp_file_chooser_new (GTK_WINDOW (gtk_widget_get_root (widget)), _("Choose the MNIST Folder"),
                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Use Folder"), NULL, NULL);
  if (self->data_dir && g_file_test (self->data_dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) current = g_file_new_for_path (self->data_dir);
      gtk_file_chooser_set_file (chooser, current, NULL);
    }
  dp_file_chooser_run (chooser, G_OBJECT (self), on_folder_chosen_cb, NULL);
}

/* ---------- settings ---------- */

static void
fill_fields (DpTrainPage *self, const DpTrainConfig *c)
{
  self->filling = TRUE;
  GString *hidden = g_string_new (NULL);
  for (int i = 0; i < c->n_hidden; i++)
    g_string_append_printf (hidden, "%s%d", i ? ", " : "", c->hidden[i]);
  set_entry_text (self->hidden_entry, hidden->str);
  g_string_free (hidden, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (activations); i++)
    if (activations[i] == c->activation)
      gtk_drop_down_set_selected (self->activation_dropdown, i);
  for (guint i = 0; i < G_N_ELEMENTS (losses); i++)
    if (losses[i] == c->loss)
      gtk_drop_down_set_selected (self->loss_dropdown, i);
  for (guint i = 0; i < G_N_ELEMENTS (optimizers); i++)
    if (optimizers[i] == c->optimizer)
      gtk_drop_down_set_selected (self->optimizer_dropdown, i);

  g_autofree char *lr = format_double (c->lr);
  g_autofree char *batch = g_strdup_printf ("%d", c->batch);
  g_autofree char *epochs = g_strdup_printf ("%d", c->epochs);
  g_autofree char *l2 = format_double (c->l2);
  g_autofree char *dropout = format_double (c->dropout);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed);
  set_entry_text (self->lr_entry, lr);
  set_entry_text (self->batch_entry, batch);
  set_entry_text (self->epochs_entry, epochs);
  set_entry_text (self->l2_entry, l2);
  set_entry_text (self->dropout_entry, dropout);
  gtk_switch_set_active (self->augment_switch, c->augment);
  set_entry_text (self->seed_entry, seed);
  /* the training-set limit is not part of a recipe: it stays as the person set it */
  self->filling = FALSE;
}

/* Parses every field into self->config, marking the bad ones; returns whether all is valid. */
static gboolean
parse_fields (DpTrainPage *self)
{
  guint preset = gtk_drop_down_get_selected (self->preset_dropdown);
  DpTrainConfig c;
  gboolean ok = TRUE, bad;
  g_autoptr (GString) problems = g_string_new (NULL);

  if (preset >= N_PRESETS)
    preset = DEFAULT_PRESET;
  dp_train_preset (preset_ids[preset], &c, NULL);
  DpTrainConfig base = c;

  /* hidden layers: "256" or "128, 64"; empty = none */
  g_auto (GStrv) parts = g_regex_split_simple ("[\\s,;x×-]+", entry_text (self->hidden_entry), 0, 0);
  c.n_hidden = 0;
  bad = FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 v;
      if (*parts[i] == '\0')
        continue;
      if (c.n_hidden == DP_MAX_LAYERS - 1 || !parse_int (parts[i], 1, 65536, &v))
        {
          bad = TRUE;
          break;
        }
      c.hidden[c.n_hidden++] = (int) v;
    }
  mark_field (self->hidden_entry, bad);
  if (bad)
    g_string_append_printf (problems, _("Hidden layers: up to %d sizes from 1 to 65536, "
                                        "separated by commas.\n"), DP_MAX_LAYERS - 1);
  ok &= !bad;

  c.activation = activations[MIN (gtk_drop_down_get_selected (self->activation_dropdown), 2)];
  c.loss = losses[MIN (gtk_drop_down_get_selected (self->loss_dropdown), 2)];
  c.optimizer = optimizers[MIN (gtk_drop_down_get_selected (self->optimizer_dropdown), 3)];
  gboolean lbfgs = c.optimizer == DP_OPTIMIZER_LBFGS;
  /* L-BFGS has no learning rate or batch: it always sees the whole set */
  gtk_widget_set_sensitive (self->lr_entry, !lbfgs);
  gtk_widget_set_sensitive (self->batch_entry, !lbfgs);
  gtk_label_set_text_with_mnemonic (self->epochs_label, lbfgs ? _("_Iterations") : _("Epo_chs"));

  bad = !parse_double (entry_text (self->lr_entry), &c.lr) || c.lr <= 0 || c.lr > 100;
  bad &= !lbfgs;
  mark_field (self->lr_entry, bad);
  if (bad)
    g_string_append (problems, _("Learning rate: a number above 0, at most 100.\n"));
  ok &= !bad;

  gint64 v;
  bad = !lbfgs && !parse_int (entry_text (self->batch_entry), 1, 65536, &v);
  if (!bad && !lbfgs)
    c.batch = (int) v;
  mark_field (self->batch_entry, bad);
  if (bad)
    g_string_append (problems, _("Batch size: a whole number from 1 to 65536.\n"));
  ok &= !bad;

  bad = !parse_int (entry_text (self->epochs_entry), 1, 100000, &v);
  if (!bad)
    c.epochs = (int) v;
  mark_field (self->epochs_entry, bad);
  if (bad)
    g_string_append (problems, _("Epochs: a whole number from 1 to 100000.\n"));
  ok &= !bad;

  bad = !parse_double (entry_text (self->l2_entry), &c.l2) || c.l2 < 0;
  mark_field (self->l2_entry, bad);
  if (bad)
    g_string_append (problems, _("L2: a number of 0 or more.\n"));
  ok &= !bad;

  bad = !parse_double (entry_text (self->dropout_entry), &c.dropout) || c.dropout < 0
        || c.dropout > 0.9;
  mark_field (self->dropout_entry, bad);
  if (bad)
    g_string_append (problems, _("Dropout: a probability from 0 to 0.9.\n"));
  ok &= !bad;

  c.augment = gtk_switch_get_active (self->augment_switch);

  guint64 seed;
  g_autofree char *seed_text = g_strstrip (g_strdup (entry_text (self->seed_entry)));
  bad = !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed, NULL);
  if (!bad)
    c.seed = seed;
  mark_field (self->seed_entry, bad);
  if (bad)
    g_string_append (problems, _("Seed: a whole number of 0 or more.\n"));
  ok &= !bad;

  g_autofree char *limit_text = g_strstrip (g_strdup (entry_text (self->limit_entry)));
  bad = FALSE;
  c.limit = 0;
  if (*limit_text != '\0' && g_ascii_strcasecmp (limit_text, "all") != 0)
    {
      bad = !parse_int (limit_text, 0, G_MAXINT, &v);
      if (!bad)
        c.limit = (int) v;
    }
  mark_field (self->limit_entry, bad);
  if (bad)
    g_string_append (problems, _("Training images: a whole number, or empty for all.\n"));
  ok &= !bad;

  c.threads = MAX (1, (int) g_get_num_processors () - 1);

  /* what the engine says about the combination (L-BFGS with dropout, …), at its field */
  g_autoptr (GError) error = NULL;
  if (ok && !dp_train_config_validate (&c, &error))
    {
      ok = FALSE;
      static const struct { const char *field; gsize offset; } fields[] = {
        { "'hidden'", G_STRUCT_OFFSET (DpTrainPage, hidden_entry) },
        { "'lr'", G_STRUCT_OFFSET (DpTrainPage, lr_entry) },
        { "'batch'", G_STRUCT_OFFSET (DpTrainPage, batch_entry) },
        { "'epochs'", G_STRUCT_OFFSET (DpTrainPage, epochs_entry) },
        { "'l2'", G_STRUCT_OFFSET (DpTrainPage, l2_entry) },
        { "'dropout'", G_STRUCT_OFFSET (DpTrainPage, dropout_entry) },
        { "'augment'", G_STRUCT_OFFSET (DpTrainPage, augment_switch) },
        { "'limit'", G_STRUCT_OFFSET (DpTrainPage, limit_entry) },
      };
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        if (strstr (error->message, fields[i].field))
          mark_field (G_STRUCT_MEMBER (GtkWidget *, self, fields[i].offset), TRUE);
      g_string_append_printf (problems, "%s\n", error->message);
    }

  /* still the preset's recipe, or a custom one? (the recipe stored in the model says so) */
  gboolean same = c.n_hidden == base.n_hidden && c.activation == base.activation
                  && c.loss == base.loss && c.optimizer == base.optimizer
                  && c.epochs == base.epochs && c.l2 == base.l2 && c.dropout == base.dropout
                  && c.augment == base.augment && c.seed == base.seed
                  && (lbfgs || (c.lr == base.lr && c.batch == base.batch));
  for (int i = 0; same && i < c.n_hidden; i++)
    same = c.hidden[i] == base.hidden[i];
  if (!same)
    c.preset[0] = '\0';

  if (problems->len > 0)
    g_string_truncate (problems, problems->len - 1);
  gtk_label_set_text (self->settings_error, problems->str);
  gtk_widget_set_visible (GTK_WIDGET (self->settings_error), problems->len > 0);
  if (!ok && !self->filling)
    g_debug ("train: settings invalid: %s", problems->str);

  self->config = c;
  self->config_valid = ok;
  return ok;
}

static void
on_field_changed_cb (GtkWidget *widget, DpTrainPage *self)
{
  if (self->filling)
    return;
  parse_fields (self);
  update_actions (self);
}

/* notify:: for the dropdowns' "selected" and the switch's "active" */
static void
on_field_notify_cb (GObject *field, GParamSpec *pspec, DpTrainPage *self)
{
  on_field_changed_cb (GTK_WIDGET (field), self);
}

static void
on_preset_changed_cb (GObject *dropdown, GParamSpec *pspec, DpTrainPage *self)
{
  guint i = gtk_drop_down_get_selected (self->preset_dropdown);
  DpTrainConfig c;
  if (i >= N_PRESETS || !dp_train_preset (preset_ids[i], &c, NULL))
    return;
  g_debug ("train: preset %s", preset_ids[i]);
  gtk_label_set_text (self->preset_description, preset_blurbs[i]);
  fill_fields (self, &c);
  parse_fields (self);
  update_actions (self);
}

/* ---------- running ---------- */

static void
update_actions (DpTrainPage *self)
{
  gboolean running = dp_trainer_get_running (self->trainer);
  gboolean downloading = self->download != NULL;
  GtkWidget *w = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (w, "train.start", self->data != NULL && self->config_valid
                                                     && !running && !downloading);
  gtk_widget_action_set_enabled (w, "train.stop", running);
  gtk_widget_action_set_enabled (w, "train.download", !downloading && !running);
  gtk_widget_action_set_enabled (w, "train.cancel-download", downloading);
  gtk_widget_action_set_enabled (w, "train.choose-folder", !downloading && !running);
  gtk_widget_action_set_enabled (w, "train.use-model", self->result != NULL);
  gtk_widget_action_set_enabled (w, "train.save-model", self->result != NULL);
  gtk_widget_action_set_enabled (w, "train.export-theta",
                                 self->result != NULL && is_classic_shaped (self->result->network));
  /* the recipe cannot change under a run */
  gtk_widget_set_sensitive (GTK_WIDGET (self->preset_dropdown), !running);
  gtk_widget_set_visible (self->start_button, !running);
  gtk_widget_set_visible (self->stop_button, running);
}

static void
on_progress_cb (DpTrainer *trainer, const DpTrainProgress *p, DpTrainPage *self)
{
  double pos = (p->epoch - 1) + (p->n_batches > 0 ? (double) p->batch / p->n_batches : 1.0);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (pos / MAX (1, p->n_epochs), 0, 1));
  g_autofree char *text = NULL;
  if (self->run_config.optimizer == DP_OPTIMIZER_LBFGS)
    text = g_strdup_printf (_("Iteration %d of %d · loss %.4f"), p->epoch, p->n_epochs, p->loss);
  else
    text = g_strdup_printf (_("Epoch %d of %d · batch %d of %d · loss %.4f"), p->epoch,
                            p->n_epochs, p->batch, p->n_batches, p->loss);
  /* progress queued before Stop still arrives: it must not hide that a stop is under way */
  if (!self->stopping)
    gtk_label_set_text (self->progress_label, text);
  g_autofree char *rate = format_thousands (p->samples_per_s);
  g_autofree char *eta = format_duration (p->eta_s);
  g_autofree char *elapsed = format_duration (p->elapsed_s);
  g_autofree char *speed = g_strdup_printf (_("%s images/s · %s elapsed · %s left"), rate,
                                            elapsed, eta);
  gtk_label_set_text (self->speed_label, speed);
  dp_chart_add_loss (self->chart, pos, p->loss);
}

static GtkWidget *
grid_label (GtkGrid *grid, const char *text, int col, int row, float xalign, gboolean dim)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (grid, label, col, row, 1, 1);
  return label;
}

/* row 0 of a table: the first column left-aligned, the numbers right-aligned */
static void
grid_header (GtkGrid *grid, const char * const *heads, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *l = grid_label (grid, heads[i], i, 0, i ? 1.0 : 0.0, TRUE);
      gtk_widget_add_css_class (l, "caption-heading");
      gtk_widget_set_hexpand (l, TRUE);
    }
}

static void
clear_epoch_table (DpTrainPage *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->epoch_grid))) != NULL)
    gtk_grid_remove (self->epoch_grid, child);
  const char *heads[] = { _("Epoch"), _("Loss"), _("Train"), _("Test"), _("Time") };
  grid_header (self->epoch_grid, heads, G_N_ELEMENTS (heads));
  self->n_epoch_rows = 0;
}

static void
on_epoch_done_cb (DpTrainer *trainer, const DpEpochResult *r, DpTrainPage *self)
{
  int row = ++self->n_epoch_rows;
  char buf[64];
  g_snprintf (buf, sizeof buf, "%d", r->epoch);
  grid_label (self->epoch_grid, buf, 0, row, 0.0, FALSE);
  g_snprintf (buf, sizeof buf, "%.4f", r->train_loss);
  grid_label (self->epoch_grid, buf, 1, row, 1.0, FALSE);
  g_snprintf (buf, sizeof buf, "%.2f %%", 100 * r->train_accuracy);
  grid_label (self->epoch_grid, buf, 2, row, 1.0, FALSE);
  if (r->test_accuracy >= 0)
    g_snprintf (buf, sizeof buf, "%.2f %%", 100 * r->test_accuracy);
  else
    g_strlcpy (buf, "—", sizeof buf);
  grid_label (self->epoch_grid, buf, 3, row, 1.0, FALSE);
  g_snprintf (buf, sizeof buf, "%.1f s", r->seconds);
  grid_label (self->epoch_grid, buf, 4, row, 1.0, TRUE);
  dp_chart_add_epoch (self->chart, r->epoch, r->train_accuracy, r->test_accuracy);

  /* follow the newest row */
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->epoch_scroller));
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
}

static void
on_running_changed_cb (DpTrainer *trainer, GParamSpec *pspec, DpTrainPage *self)
{
  update_actions (self);
}

static const char *
preset_title (const DpTrainConfig *c)
{
  for (guint i = 0; i < N_PRESETS; i++)
    if (g_str_equal (c->preset, preset_ids[i]))
      return preset_titles[i];
  return _("Custom");
}

static void
show_results (DpTrainPage *self)
{
  DpTrainResult *r = self->result;
  const DpMetrics *m = &r->metrics;
  char buf[64];

  g_snprintf (buf, sizeof buf, "%.2f %%", 100 * m->accuracy);
  gtk_label_set_text (self->accuracy_label, buf);
  g_autofree char *shape = dp_network_describe_sizes (r->network);
  g_autofree char *caption =
    g_strdup_printf (_("Test accuracy of %s (%s) on %d images, trained in %.0f s. Click a "
                       "cell of the matrix to see its images."),
                     preset_title (&self->result_config), shape, m->n, r->seconds);
  gtk_label_set_text (self->accuracy_caption, caption);
  dp_confusion_view_set_metrics (self->confusion, m);

  for (int d = 0; d <= 10; d++)
    {
      guint support = 0;
      double p = d < 10 ? m->precision[d] : m->macro_precision;
      double rc = d < 10 ? m->recall[d] : m->macro_recall;
      double f1 = d < 10 ? m->f1[d] : m->macro_f1;
      if (d < 10)
        for (int j = 0; j < 10; j++)
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
  gtk_label_set_text (self->file_status, "");
  gtk_revealer_set_reveal_child (self->gallery_revealer, FALSE);
}

static void
clear_class_table (DpTrainPage *self)
{
  for (int d = 0; d <= 10; d++)
    for (int c = 0; c < 4; c++)
      gtk_label_set_text (self->class_cells[d][c], "—");
}

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
  self->stopping = FALSE;
  gtk_widget_remove_css_class (GTK_WIDGET (self->progress_label), "error");
  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_text (self->progress_label,
                            _("Stopped. The model in use has not changed."));
      else
        {
          g_autofree char *text = g_strdup_printf (_("Training failed: %s"), error->message);
          gtk_label_set_text (self->progress_label, text);
          gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "error");
        }
      update_actions (self);
      return;
    }

  dp_train_result_free (self->result);
  self->result = result;
  self->result_config = self->run_config;
  g_clear_pointer (&self->result_data, dp_mnist_data_unref);
  self->result_data = self->data ? dp_mnist_data_ref (self->data) : NULL;
  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  char buf[128];
  g_snprintf (buf, sizeof buf, _("Finished: %.2f %% on the test set"),
              100 * result->metrics.accuracy);
  gtk_label_set_text (self->progress_label, buf);

  double p50, p99, max;
  guint n;
  if (dp_trainer_get_stall_stats (self->trainer, &p50, &p99, &max, &n))
    {
      g_autofree char *speed = g_strdup_printf (_("main loop: p99 stall %.1f ms"), p99);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->speed_label), speed);
    }
  show_results (self);
  update_actions (self);
}

static void
start_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);

  if (!parse_fields (self) || self->data == NULL || dp_trainer_get_running (self->trainer))
    return;
  self->run_config = self->config;
  dp_chart_reset (self->chart, self->config.epochs);
  clear_epoch_table (self);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_widget_remove_css_class (GTK_WIDGET (self->progress_label), "error");
  gtk_label_set_text (self->progress_label, _("Starting…"));
  gtk_label_set_text (self->speed_label, "");
  dp_trainer_run_async (self->trainer, &self->run_config, self->data, on_train_done_cb,
                        g_object_ref (self));
  update_actions (self);
}

static void
stop_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);

  if (!dp_trainer_get_running (self->trainer))
    return;
  dp_trainer_stop (self->trainer);
  self->stopping = TRUE;
  gtk_label_set_text (self->progress_label, _("Stopping…"));
}

/* ---------- results ---------- */

static void
use_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  GApplication *app = g_application_get_default ();

  if (self->result == NULL || !DP_IS_APPLICATION (app))
    return;
  g_autofree char *title = g_strdup_printf (_("Trained: %s"), preset_title (&self->result_config));
  g_autofree char *shape = dp_network_describe_sizes (self->result->network);
  g_debug ("train: using the trained model %s (%.2f %%)", shape,
           100 * self->result->metrics.accuracy);
  /* the application takes a copy of its own: this page keeps its result for saving */
  dp_application_set_model (DP_APPLICATION (app), dp_network_copy (self->result->network), title,
                            NULL);
  gtk_label_set_text (self->file_status, _("The Draw tab now uses this model."));
}

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
  g_autoptr (DpTrainPage) self = user_data;
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
  gtk_label_set_text (self->file_status, text);
  if (ok)
    gtk_widget_remove_css_class (GTK_WIDGET (self->file_status), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->file_status), "error");
}

static void
start_file_job (DpTrainPage *self, const char *path, gboolean theta)
{
  FileJob *job = g_new0 (FileJob, 1);
  job->net = dp_network_copy (self->result->network);
  job->path = g_strdup (path);
  job->theta = theta;
  /* writing and fsync can take a moment: never on the UI thread; the worker writes its own copy.
   * Not cancellable: dp_model_save's rename is what makes it atomic, and it is quick. */
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_file_job_done_cb, g_object_ref (self));
  g_task_set_task_data (task, job, (GDestroyNotify) file_job_free);
  g_task_run_in_thread (task, file_job_thread);
}

static void
on_save_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpTrainPage *self = DP_TRAIN_PAGE (owner);
  gboolean theta = GPOINTER_TO_INT (user_data);
  g_autofree char *path = g_file_get_path (file);

  if (!self->disposed && self->result != NULL && path != NULL)
    start_file_job (self, path, theta);
}

static void
save_dialog (DpTrainPage *self, gboolean theta)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkFileChooser *chooser;

  if (theta)
    chooser = dp_file_chooser_new (parent, _("Export Theta1.txt and Theta2.txt to a Folder"),
                                   GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"), NULL, NULL);
  else
    {
      g_autofree char *name = g_strdup_printf ("digitpad-%s.safetensors",
                                               self->result_config.preset[0]
                                                 ? self->result_config.preset : "custom");
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("Models (safetensors)"));
      gtk_file_filter_add_pattern (filter, "*.safetensors");
      chooser = dp_file_chooser_new (parent, _("Save Model"), GTK_FILE_CHOOSER_ACTION_SAVE,
                                     _("_Save"), filter, name);
    }
  dp_file_chooser_run (chooser, G_OBJECT (self), on_save_chosen_cb, GINT_TO_POINTER (theta));
}

static void
save_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  save_dialog (DP_TRAIN_PAGE (widget), FALSE);
}

static void
export_theta_action (GtkWidget *widget, const char *name, GVariant *param)
{
  save_dialog (DP_TRAIN_PAGE (widget), TRUE);
}

static void
on_cell_activated_cb (DpConfusionView *view, int truth, int predicted, DpTrainPage *self)
{
  if (self->result == NULL || self->result_data == NULL)
    return;
  const DpDataset *test = self->result_data->test;
  const guint8 *pred = self->result->predictions;
  int total = 0, n = 0;
  for (int i = 0; i < test->n; i++)
    total += test->labels[i] == truth && pred[i] == predicted;

  float *images = g_new (float, (gsize) MIN (total, GALLERY_MAX) * DP_INPUT_SIZE); /* (n, 784) */
  guint8 *t = g_new (guint8, MAX (1, MIN (total, GALLERY_MAX)));
  guint8 *p = g_new (guint8, MAX (1, MIN (total, GALLERY_MAX)));
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
  if (truth == predicted)
    title = g_strdup_printf (_("%d recognised as %d: %d images"), truth, predicted, total);
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
on_gallery_close_cb (GtkButton *button, DpTrainPage *self)
{
  gtk_revealer_set_reveal_child (self->gallery_revealer, FALSE);
  dp_confusion_view_select (self->confusion, -1, -1);
}

/* ---------- GtkWidget ---------- */

static void
dp_train_page_map (GtkWidget *widget)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  GTK_WIDGET_CLASS (dp_train_page_parent_class)->map (widget);
  /* 200 MB of images are only read once someone opens this page */
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  if (clock != NULL && self->after_paint_id == 0)
    {
      self->frame_clock = g_object_ref (clock);
      self->after_paint_id = g_signal_connect (clock, "after-paint",
                                               G_CALLBACK (on_after_paint_cb), self);
    }
  if (!self->discovered)
    {
      self->discovered = TRUE;
      discover_data (self);
    }
}

/* Stops everything the page started. Called when the page leaves its window (the window is
 * being destroyed: GTK 4 disposes a widget only when its last reference goes, and a pending
 * callback holds one) and again from dispose. */
static void
dp_train_page_shutdown (DpTrainPage *self)
{
  if (!self->disposed)
    {
      self->disposed = TRUE;
      g_cancellable_cancel (self->load_cancellable);
      g_clear_object (&self->load_cancellable);
      /* a download removes its temporary files when it completes, which the application
       * hold taken at its start lets happen after the window is gone */
      g_cancellable_cancel (self->download_cancellable);
      g_signal_handlers_disconnect_by_data (self->trainer, self);
      dp_trainer_stop_and_wait (self->trainer);
    }
}

static void
dp_train_page_unmap (GtkWidget *widget)
{
  DpTrainPage *self = DP_TRAIN_PAGE (widget);
  if (self->after_paint_id != 0)
    g_clear_signal_handler (&self->after_paint_id, self->frame_clock);
  g_clear_object (&self->frame_clock);
  GTK_WIDGET_CLASS (dp_train_page_parent_class)->unmap (widget);
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

  dp_train_page_shutdown (self);
  g_clear_object (&self->trainer);
  g_clear_pointer (&self->data, dp_mnist_data_unref);
  g_clear_pointer (&self->result_data, dp_mnist_data_unref);
  g_clear_pointer (&self->result, dp_train_result_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_TRAIN_PAGE);
  G_OBJECT_CLASS (dp_train_page_parent_class)->dispose (object);
}

static void
dp_train_page_finalize (GObject *object)
{
  DpTrainPage *self = DP_TRAIN_PAGE (object);
  g_free (self->data_dir);
  g_free (self->last_layout);
  G_OBJECT_CLASS (dp_train_page_parent_class)->finalize (object);
}

static void
dp_train_page_class_init (DpTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_train_page_dispose;
  object_class->finalize = dp_train_page_finalize;
  widget_class->map = dp_train_page_map;
  widget_class->unroot = dp_train_page_unroot;
  widget_class->unmap = dp_train_page_unmap;

  g_type_ensure (DP_TYPE_CHART);
  g_type_ensure (DP_TYPE_CONFUSION_VIEW);
  g_type_ensure (DP_TYPE_GALLERY);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-train-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dptrainpage");

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DpTrainPage, name)
  BIND (scroller);
  BIND (data_icon_stack);
  BIND (data_spinner);
  BIND (data_title);
  BIND (data_label);
  BIND (download_box);
  BIND (download_progress);
  BIND (download_label);
  BIND (download_button);
  BIND (choose_button);
  BIND (preset_dropdown);
  BIND (preset_description);
  BIND (hidden_entry);
  BIND (activation_dropdown);
  BIND (loss_dropdown);
  BIND (optimizer_dropdown);
  BIND (lr_entry);
  BIND (batch_entry);
  BIND (epochs_label);
  BIND (epochs_entry);
  BIND (l2_entry);
  BIND (dropout_entry);
  BIND (augment_switch);
  BIND (seed_entry);
  BIND (limit_entry);
  BIND (settings_error);
  BIND (start_button);
  BIND (stop_button);
  BIND (progress_label);
  BIND (speed_label);
  BIND (progress_bar);
  BIND (chart);
  BIND (epoch_grid);
  BIND (epoch_scroller);
  BIND (class_grid);
  BIND (accuracy_label);
  BIND (accuracy_caption);
  BIND (use_button);
  BIND (save_button);
  BIND (export_button);
  BIND (file_status);
  BIND (confusion);
  BIND (gallery_revealer);
  BIND (gallery_title);
  BIND (gallery_close);
  BIND (gallery);
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
  g_signal_connect (self->trainer, "progress", G_CALLBACK (on_progress_cb), self);
  g_signal_connect (self->trainer, "epoch-done", G_CALLBACK (on_epoch_done_cb), self);
  g_signal_connect (self->trainer, "notify::running", G_CALLBACK (on_running_changed_cb), self);

  /* the per-digit table: header, ten digits, the macro average */
  const char *heads[] = { _("Digit"), _("Precision"), _("Recall"), _("F1"), _("Images") };
  grid_header (self->class_grid, heads, G_N_ELEMENTS (heads));
  for (int d = 0; d <= 10; d++)
    {
      char buf[16];
      g_snprintf (buf, sizeof buf, "%d", d);
      GtkWidget *head = grid_label (self->class_grid, d < 10 ? buf : _("Average"), 0, d + 1,
                                    0.0, d == 10);
      if (d == 10)
        gtk_widget_set_margin_top (head, 4);
      for (int c = 0; c < 4; c++)
        {
          GtkWidget *l = grid_label (self->class_grid, "—", c + 1, d + 1, 1.0, FALSE);
          if (d == 10)
            {
              gtk_widget_set_margin_top (l, 4);
              gtk_widget_add_css_class (l, "heading");
            }
          self->class_cells[d][c] = GTK_LABEL (l);
        }
    }
  clear_epoch_table (self);
  clear_class_table (self);

  GtkWidget *entries[] = { self->hidden_entry, self->lr_entry, self->batch_entry,
                           self->epochs_entry, self->l2_entry, self->dropout_entry,
                           self->seed_entry, self->limit_entry };
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    g_signal_connect (entries[i], "changed", G_CALLBACK (on_field_changed_cb), self);
  GtkDropDown *dropdowns[] = { self->activation_dropdown, self->loss_dropdown,
                               self->optimizer_dropdown };
  for (guint i = 0; i < G_N_ELEMENTS (dropdowns); i++)
    g_signal_connect (dropdowns[i], "notify::selected", G_CALLBACK (on_field_notify_cb), self);
  g_signal_connect (self->augment_switch, "notify::active", G_CALLBACK (on_field_notify_cb), self);
  g_signal_connect (self->preset_dropdown, "notify::selected", G_CALLBACK (on_preset_changed_cb),
                    self);
  g_signal_connect (self->confusion, "cell-activated", G_CALLBACK (on_cell_activated_cb), self);
  g_signal_connect (self->gallery_close, "clicked", G_CALLBACK (on_gallery_close_cb), self);
  /* the page allocates through its layout manager: the scroller's adjustment is what moves
   * when the window is resized, the content grows or the page scrolls */
  GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  g_signal_connect (vadj, "value-changed", G_CALLBACK (on_scrolled_cb), self);
  g_signal_connect (vadj, "changed", G_CALLBACK (on_scrolled_cb), self);

  show_data_state (self, "loading", _("MNIST"), _("Looking for the data set…"));
  gtk_drop_down_set_selected (self->preset_dropdown, DEFAULT_PRESET);
  on_preset_changed_cb (G_OBJECT (self->preset_dropdown), NULL, self);
}

GtkWidget *
dp_train_page_new (void)
{
  return g_object_new (DP_TYPE_TRAIN_PAGE, NULL);
}
