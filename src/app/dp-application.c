/* dp-application.c: the application object. It finds the GSettings schema (installed, or the
 * one compiled into the build tree, or none), sets the keyboard accelerators, owns the model
 * store (DpModelStore: the current model, loaded and reported by signals), and opens the files
 * given on the command line (also when a second `digitpad FILE` hands them to the running
 * instance over D-Bus): images go to the window, models to the store. It never calls into the
 * window beyond creating it and opening images. AdwApplication loads style.css from the
 * resource base path by itself. */
#include "dp-application.h"

#include <glib/gi18n.h>

#include "dp-window.h"
#include "engine/engine.h"
#include "engine/personalize.h"

struct _DpApplication
{
  AdwApplication parent_instance;

  GSettings *settings;  /* NULL: no schema anywhere */
  DpModelStore *models; /* the one owner of the current model */
  DpSamples *samples;   /* the personal samples */
};

G_DEFINE_FINAL_TYPE (DpApplication, dp_application, ADW_TYPE_APPLICATION)

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

DpModelStore *
dp_application_get_model_store (DpApplication *self)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), NULL);
  return self->models;
}

DpSamples *
dp_application_get_samples (DpApplication *self)
{
  g_return_val_if_fail (DP_IS_APPLICATION (self), NULL);
  return self->samples;
}

/* Back to the model embedded in the binary. forget: forget the last model too (the user's
 * Reset); else it stays remembered (start-up, while the remembered one loads or is missing). */
static gboolean
dp_application_use_builtin (DpApplication *self, gboolean forget, GError **error)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (DP_BUILTIN_MODEL_RESOURCE,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  DpNetwork *net = bytes ? dp_model_load_bytes (bytes, "built-in model", error) : NULL;

  if (net == NULL)
    return FALSE;
  if (forget)
    dp_model_store_set_model (self->models, net, _("Built-in model"), NULL);
  else
    dp_model_store_set_fallback (self->models, net, _("Built-in model"));
  return TRUE;
}

/* --- actions ------------------------------------------------------------------------------- */

static void
dp_application_about_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpApplication *self = user_data;
  static const char *developers[] = { "The Digitpad developers", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  g_debug ("about window");
  adw_show_about_window (window,
                         "application-name", "Digitpad",
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Draw a digit and watch a neural network read it"),
                         "website", "https://github.com/digitpad/digitpad",
                         "issue-url", "https://github.com/digitpad/digitpad/issues",
                         "license-type", GTK_LICENSE_MIT_X11,
                         "developer-name", "The Digitpad developers",
                         "developers", developers,
                         /* TRANSLATORS: your names, one per line */
                         "translator-credits", _("translator-credits"),
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

  /* the embedded model fails only in a broken build; the windows hear it by signal */
  if (!dp_application_use_builtin (self, TRUE, &error))
    g_signal_emit_by_name (self->models, "load-failed", error, FALSE);
}

/* "app.load-model-file" (as): load without a file chooser; for scripts and the GUI tests,
 * e.g. gdbus call … org.freedesktop.Application.ActivateAction load-model-file [<['x.safetensors']>] {} */
static void
dp_application_load_model_file_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpApplication *self = user_data;
  g_autofree const char **paths = g_variant_get_strv (param, NULL);

  if (paths[0] != NULL)
    dp_model_store_load (self->models, paths);
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

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);

  static const struct { const char *action; const char *accels[3]; } accels[] = {
    /* Enter, Delete, Escape, Ctrl+Z and [ ] belong to the Draw page only: DpWindow handles them
     * after the focused widget (an entry on the Train page keeps its Delete and Enter) */
    { "app.quit", { "<Primary>q", NULL } },
    { "draw.live-mode", { "<Primary>l", NULL } },
    { "draw.open-image", { "<Primary>o", NULL } },
    { "draw.save-drawing", { "<Primary>s", NULL } },
    { "win.load-model", { "<Primary>m", NULL } },
    { "win.teach", { "<Primary>t", NULL } },
    { "win.samples", { "<Primary><Shift>t", NULL } },
    { "win.personalize", { "<Primary>p", NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);

  self->settings = dp_application_find_settings ();
  self->models = dp_model_store_new (self->settings);

  /* the built-in model serves until the remembered one is read, and stays if that one is
   * missing: the window then says so, and the setting is kept for the next start */
  if (!dp_application_use_builtin (self, FALSE, &error))
    g_critical ("the built-in model does not load: %s", error->message);
  dp_model_store_restore (self->models);

  /* the samples are small (a few kB each): read now, so the first correction appends to them;
   * what does not read is the window's to say (dp_samples_get_load_problem) */
  g_autofree char *samples_path = dp_personal_samples_path ();
  self->samples = dp_samples_new (samples_path);
  g_clear_error (&error);
  if (!dp_samples_load (self->samples, NULL, &error))
    g_debug ("samples: %s", error->message);
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

/* `digitpad FILE`: a model file (by its name: NAME.safetensors, Theta1.txt, Theta2.txt) is
 * loaded as the model; anything else is opened as an image on the pad */
static gboolean
is_model_file (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *lower = g_ascii_strdown (base ? base : "", -1);

  return g_str_has_suffix (lower, ".safetensors")
         || (g_str_has_prefix (lower, "theta") && g_str_has_suffix (lower, ".txt"));
}

static void
dp_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  DpApplication *self = DP_APPLICATION (app);
  DpWindow *window = dp_application_ensure_window (self);
  GFile *image = NULL;

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);

      if (path != NULL && is_model_file (files[i]))
        dp_model_store_load (self->models, (const char *const[]) { path, NULL });
      else
        image = files[i];
    }
  /* one pad, one image: the last image given wins */
  if (image != NULL)
    dp_window_open_image (window, image);
}

static void
dp_application_finalize (GObject *object)
{
  DpApplication *self = DP_APPLICATION (object);

  g_clear_object (&self->models);
  g_clear_object (&self->samples);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dp_application_parent_class)->finalize (object);
}

static void
dp_application_class_init (DpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = dp_application_finalize;
  app_class->startup = dp_application_startup;
  app_class->activate = dp_application_activate;
  app_class->open = dp_application_open;
}

static void
dp_application_init (DpApplication *self)
{
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
