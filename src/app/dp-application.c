/* dp-application.c: the application object. It finds the GSettings schema (installed, or the
 * one compiled into the build tree, or none), loads the CSS, sets the keyboard accelerators,
 * owns the current model and its name, and opens image files given on the command line (also
 * when a second `digitpad FILE` hands them to the running instance over D-Bus). */
#include "dp-application.h"

#include <glib/gi18n.h>

#include "dp-window.h"
#include "engine/engine.h"

struct _DpApplication
{
  AdwApplication parent_instance;

  GSettings *settings; /* NULL: no schema anywhere */
  DpNetwork *model;    /* owned; NULL only if the built-in model failed */
  char *model_name;
};

G_DEFINE_FINAL_TYPE (DpApplication, dp_application, ADW_TYPE_APPLICATION)

enum { PROP_0, PROP_MODEL_NAME, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { MODEL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The installed schema first; else the one compiled in the build tree (DP_SCHEMA_BUILD_DIR), so
 * that the binary runs straight from there; else none, and the app uses its defaults. */
static GSettings *
dp_application_find_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  const char *from = "installed";

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
#ifdef DP_SCHEMA_BUILD_DIR
  if (schema == NULL)
    {
      from = DP_SCHEMA_BUILD_DIR;
      g_autoptr (GError) error = NULL;
      g_autoptr (GSettingsSchemaSource) build_source =
        g_settings_schema_source_new_from_directory (DP_SCHEMA_BUILD_DIR, source, FALSE, &error);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, APP_ID, FALSE);
      else
        g_debug ("no compiled schema in the build tree: %s", error->message);
    }
#endif
  if (schema == NULL)
    {
      g_debug ("settings: schema %s not found, using defaults (nothing is remembered)", APP_ID);
      return NULL;
    }
  g_debug ("settings: schema %s from %s", APP_ID, from);
  return g_settings_new_full (schema, NULL, NULL);
}

GSettings *
dp_application_get_settings (DpApplication *self)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), NULL);
  return self->settings;
}

const DpNetwork *
dp_application_get_model (DpApplication *self)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), NULL);
  return self->model;
}

const char *
dp_application_get_model_name (DpApplication *self)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), NULL);
  return self->model_name;
}

char *
dp_application_describe_model (DpApplication *self)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), NULL);

  if (self->model == NULL)
    return g_strdup (_("No model"));

  g_autofree char *sizes = dp_network_describe_sizes (self->model);
  const char *acc = dp_network_get_meta (self->model, DP_META_TEST_ACCURACY);
  char *end = NULL;
  double value = acc ? g_ascii_strtod (acc, &end) : -1.0;

  if (acc != NULL && end != acc && value >= 0.0 && value <= 1.0)
    return g_strdup_printf (_("%s · %.2f %% test accuracy"), sizes, 100.0 * value);
  return g_strdup_printf (_("%s · test accuracy unknown"), sizes);
}

void
dp_application_set_model (DpApplication      *self,
                          DpNetwork          *model,
                          const char         *name,
                          const char * const *paths)
{
  g_return_if_fail (DP_IS_APPLICATION (self));
  g_return_if_fail (model != NULL);
  g_return_if_fail (name != NULL);

  g_clear_pointer (&self->model, dp_network_free);
  self->model = model;
  g_free (self->model_name);
  self->model_name = g_strdup (name);

  if (self->settings != NULL)
    {
      static const char *const none[] = { NULL };
      g_settings_set_strv (self->settings, "last-model", paths ? paths : none);
    }

  g_autofree char *sizes = dp_network_describe_sizes (model);
  const char *acc = dp_network_get_meta (model, DP_META_TEST_ACCURACY);
  g_debug ("model loaded: name=\"%s\" sizes=%s test_accuracy=%s source=%s", name, sizes,
           acc ? acc : "unknown", paths && paths[0] ? paths[0] : "memory");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_NAME]);
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

static DpNetwork *
dp_application_load_builtin (GError **error)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (DP_BUILTIN_MODEL_RESOURCE,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  return dp_model_load_bytes (bytes, "built-in model", error);
}

gboolean
dp_application_reset_model (DpApplication *self, GError **error)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), FALSE);

  DpNetwork *net = dp_application_load_builtin (error);
  if (net == NULL)
    return FALSE;
  dp_application_set_model (self, net, _("Built-in model"), NULL);
  return TRUE;
}

/* --- loading model files ------------------------------------------------------------------- */

typedef struct
{
  char **paths;    /* as given */
  char **resolved; /* the file(s) actually read: 1 safetensors, or Theta1 + Theta2 */
  char *name;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_strfreev (data->paths);
  g_strfreev (data->resolved);
  g_free (data->name);
  g_free (data);
}

static gboolean
is_theta_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (base, -1);
  return g_str_has_suffix (lower, ".txt");
}

/* Theta1.txt ↔ Theta2.txt in the same folder (the digit after "theta", any case). */
static char *
theta_sibling (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (base, -1);
  const char *at = strstr (lower, "theta");

  if (at == NULL || (at[5] != '1' && at[5] != '2'))
    return NULL;
  base[at - lower + 5] = at[5] == '1' ? '2' : '1';
  return g_build_filename (dir, base, NULL);
}

static DpNetwork *
load_theta_pair (const char *a, const char *b, GError **error)
{
  g_autoptr (GError) first = NULL;
  DpNetwork *net = dp_theta_import (a, b, &first);

  /* the user may have picked them in either order */
  if (net == NULL)
    net = dp_theta_import (b, a, NULL);
  if (net == NULL)
    g_propagate_error (error, g_steal_pointer (&first));
  return net;
}

static void
load_model_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadData *data = task_data;
  guint n = g_strv_length (data->paths);
  GError *error = NULL;
  DpNetwork *net = NULL;

  if (n == 1 && !is_theta_path (data->paths[0]))
    {
      net = dp_model_load (data->paths[0], &error);
      data->resolved = g_strdupv (data->paths);
      data->name = g_path_get_basename (data->paths[0]);
    }
  else if (n == 1 || n == 2)
    {
      g_autofree char *other = n == 2 ? g_strdup (data->paths[1]) : theta_sibling (data->paths[0]);
      if (other == NULL)
        {
          g_set_error (&error, DP_ERROR, DP_ERROR_INVALID,
                       _("%s: a classic model needs both Theta1.txt and Theta2.txt; "
                         "select both files, or name them Theta1.txt and Theta2.txt"),
                       data->paths[0]);
        }
      else
        {
          net = load_theta_pair (data->paths[0], other, &error);
          g_autofree char *dir = g_path_get_dirname (data->paths[0]);
          g_autofree char *dir_base = g_path_get_basename (dir);
          const char *const pair[] = { data->paths[0], other, NULL };
          data->resolved = g_strdupv ((char **) pair);
          data->name = g_strdup_printf (_("Theta1/Theta2 in %s"), dir_base);
        }
    }
  else
    {
      g_set_error (&error, DP_ERROR, DP_ERROR_INVALID,
                   _("Choose one safetensors model, or the two Theta text files"));
    }

  if (net == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, net, (GDestroyNotify) dp_network_free);
}

void
dp_application_load_model_async (DpApplication      *self,
                                 const char * const *paths,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_return_if_fail (DP_IS_APPLICATION (self));
  g_return_if_fail (paths != NULL);

  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  LoadData *data = g_new0 (LoadData, 1);

  data->paths = g_strdupv ((char **) paths);
  g_task_set_source_tag (task, dp_application_load_model_async);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_model_thread);
}

gboolean
dp_application_load_model_finish (DpApplication *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  LoadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) local = NULL;
  DpNetwork *net = g_task_propagate_pointer (G_TASK (result), &local);

  if (net == NULL)
    {
      g_debug ("model load failed: %s", local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  dp_application_set_model (self, net, data->name, (const char *const *) data->resolved);
  return TRUE;
}

/* --- actions ------------------------------------------------------------------------------- */

static void
on_last_model_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DpApplication *self = DP_APPLICATION (source);
  g_autoptr (GError) error = NULL;

  /* at startup a vanished or broken last model is no reason for a dialog: the built-in one
   * stays, and the log says why */
  if (!dp_application_load_model_finish (self, result, &error))
    g_debug ("last model not restored: %s", error->message);
}

static void
dp_application_about_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpApplication *self = user_data;
  static const char *authors[] = { "The Digitpad developers", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_show_about_dialog (window,
                         "program-name", "Digitpad",
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Draw a digit and watch a neural network read it"),
                         "website", "https://github.com/digitpad/digitpad",
                         "license-type", GTK_LICENSE_MIT_X11,
                         "authors", authors,
                         "copyright", "© 2025 The Digitpad developers",
                         NULL);
}

static void
dp_application_quit_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* close rather than quit outright, so windows save their size */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;
      l = l->next;
      gtk_window_close (window);
    }
}

static void
dp_application_reset_model_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpApplication *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!dp_application_reset_model (self, &error))
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
      if (DP_IS_WINDOW (window))
        dp_window_show_error (DP_WINDOW (window), _("Could not load the built-in model"),
                              error->message);
    }
}

/* "app.load-model-file" (as): load without a file chooser; for scripts and the GUI tests,
 * e.g. gdbus call … org.freedesktop.Application.ActivateAction load-model-file [<['x.safetensors']>] {} */
static void
dp_application_load_model_file_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpApplication *self = user_data;
  g_autofree const char **paths = g_variant_get_strv (param, NULL);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (DP_IS_WINDOW (window))
    dp_window_load_model (DP_WINDOW (window), paths);
}

static const GActionEntry app_actions[] = {
  { "about", dp_application_about_action },
  { "quit", dp_application_quit_action },
  { "reset-model", dp_application_reset_model_action },
  { "load-model-file", dp_application_load_model_file_action, "as" },
};

/* --- GApplication -------------------------------------------------------------------------- */

static void
dp_application_startup (GApplication *app)
{
  DpApplication *self = DP_APPLICATION (app);
  g_autoptr (GError) error = NULL;

  G_APPLICATION_CLASS (dp_application_parent_class)->startup (app);

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/digitpad/Digitpad/ui/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);

  static const struct { const char *action; const char *accels[3]; } accels[] = {
    /* Enter, Delete, Escape, Ctrl+Z and [ ] belong to the Draw page only: DpWindow handles them
     * after the focused widget (an entry on the Train page keeps its Delete and Enter) */
    { "app.quit", { "<Primary>q", NULL } },
    { "win.live-mode", { "<Primary>l", NULL } },
    { "win.open-image", { "<Primary>o", NULL } },
    { "win.save-drawing", { "<Primary>s", NULL } },
    { "win.load-model", { "<Primary>m", NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);

  self->settings = dp_application_find_settings ();

  /* read before the built-in model is set, which forgets the last one */
  g_auto (GStrv) last = self->settings ? g_settings_get_strv (self->settings, "last-model") : NULL;

  if (!dp_application_reset_model (self, &error))
    g_critical ("the built-in model does not load: %s", error->message);

  /* the last model the user loaded, if any; the built-in one serves until it is read */
  if (last != NULL && last[0] != NULL)
    dp_application_load_model_async (self, (const char *const *) last, NULL,
                                     on_last_model_loaded_cb, NULL);
}

static DpWindow *
dp_application_ensure_window (DpApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (!DP_IS_WINDOW (window))
    window = GTK_WINDOW (dp_window_new (self));
  gtk_window_present (window);
  return DP_WINDOW (window);
}

static void
dp_application_activate (GApplication *app)
{
  dp_application_ensure_window (DP_APPLICATION (app));
}

static void
dp_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  DpWindow *window = dp_application_ensure_window (DP_APPLICATION (app));

  /* one pad, one image: the last file given wins */
  if (n_files > 0)
    dp_window_open_image (window, files[n_files - 1]);
}

static void
dp_application_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DpApplication *self = DP_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_MODEL_NAME:
      g_value_set_string (value, self->model_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_application_finalize (GObject *object)
{
  DpApplication *self = DP_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->model, dp_network_free);
  g_free (self->model_name);
  G_OBJECT_CLASS (dp_application_parent_class)->finalize (object);
}

static void
dp_application_class_init (DpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = dp_application_get_property;
  object_class->finalize = dp_application_finalize;
  app_class->startup = dp_application_startup;
  app_class->activate = dp_application_activate;
  app_class->open = dp_application_open;

  properties[PROP_MODEL_NAME] =
    g_param_spec_string ("model-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* the current model was replaced: get it again with dp_application_get_model() */
  signals[MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dp_application_init (DpApplication *self)
{
  self->model_name = g_strdup ("");
}

DpApplication *
dp_application_new (void)
{
  return g_object_new (DP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/digitpad/Digitpad",
                       NULL);
}
