/* test-model-store.c: DpModelStore, the app's one owner of the model. The newest request wins
 * whatever order the worker threads finish in (the remembered model still loading at start-up
 * never replaces the user's choice); a failed load is reported by signal with its error and the
 * current model stays; a missing remembered model keeps its setting. */
#include <glib/gstdio.h>

#include "dp-model-store.h"
#include "engine/engine.h"
#include "engine/personalize.h"

#define DEFAULT_MODEL DP_SOURCE_DIR "/weights/digitpad-default.safetensors"

typedef struct
{
  guint changed;
  guint failed;
  gboolean remembered;
  char *message;
} Seen;

static void
on_changed_cb (DpModelStore *store, Seen *seen)
{
  seen->changed++;
}

static void
on_failed_cb (DpModelStore *store, GError *error, gboolean remembered, Seen *seen)
{
  seen->failed++;
  seen->remembered = remembered;
  g_free (seen->message);
  seen->message = g_strdup (error->message);
}

static DpModelStore *
new_store (GSettings *settings, Seen *seen)
{
  DpModelStore *store = dp_model_store_new (settings);
  g_signal_connect (store, "model-changed", G_CALLBACK (on_changed_cb), seen);
  g_signal_connect (store, "load-failed", G_CALLBACK (on_failed_cb), seen);
  return store;
}

static char *
copy_model (const char *dir, const char *name)
{
  g_autofree char *contents = NULL;
  gsize len;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_get_contents (DEFAULT_MODEL, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
  return path;
}

static void
wait_idle (DpModelStore *store, GMainContext *context)
{
  while (dp_model_store_is_loading (store))
    g_main_context_iteration (context, TRUE);
}

/* The remembered model's load finishes AFTER the user's explicit one: its callback is
 * dispatched on a context of its own that the test runs only once the user's model is in. */
static void
test_explicit_load_wins (void)
{
  g_autofree char *dir = g_dir_make_tmp ("digitpad-store-XXXXXX", NULL);
  g_autofree char *remembered = copy_model (dir, "remembered.safetensors");
  g_autofree char *chosen = copy_model (dir, "chosen.safetensors");
  g_autoptr (GMainContext) late = g_main_context_new ();
  Seen seen = { 0 };
  g_autoptr (DpModelStore) store = new_store (NULL, &seen);

  g_main_context_push_thread_default (late);
  dp_model_store_load (store, (const char *const[]) { remembered, NULL });
  g_main_context_pop_thread_default (late);

  dp_model_store_load (store, (const char *const[]) { chosen, NULL });
  while (seen.changed == 0 && seen.failed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (dp_model_store_get_name (store), ==, "chosen.safetensors");

  /* now the remembered one arrives, late */
  wait_idle (store, late);
  g_assert_cmpuint (seen.changed, ==, 1);
  g_assert_cmpuint (seen.failed, ==, 0);
  g_assert_cmpstr (dp_model_store_get_name (store), ==, "chosen.safetensors");

  g_unlink (remembered);
  g_unlink (chosen);
  g_rmdir (dir);
  g_free (seen.message);
}

/* a model set directly (the built-in one on Reset, a trained one) also beats a load in flight */
static void
test_set_model_wins (void)
{
  g_autofree char *dir = g_dir_make_tmp ("digitpad-store-XXXXXX", NULL);
  g_autofree char *remembered = copy_model (dir, "remembered.safetensors");
  Seen seen = { 0 };
  g_autoptr (DpModelStore) store = new_store (NULL, &seen);
  g_autoptr (GError) error = NULL;
  DpNetwork *net = dp_model_load (DEFAULT_MODEL, &error);

  g_assert_no_error (error);
  dp_model_store_load (store, (const char *const[]) { remembered, NULL });
  dp_model_store_set_model (store, net, "Trained: Quick", NULL);
  wait_idle (store, NULL);
  g_assert_cmpuint (seen.changed, ==, 1);
  g_assert_cmpstr (dp_model_store_get_name (store), ==, "Trained: Quick");

  g_unlink (remembered);
  g_rmdir (dir);
}

static void
test_failed_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("digitpad-store-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  Seen seen = { 0 };
  g_autoptr (DpModelStore) store = new_store (NULL, &seen);
  g_autoptr (GError) error = NULL;

  dp_model_store_set_fallback (store, dp_model_load (DEFAULT_MODEL, &error), "Built-in model");
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (bad, "\x10\0\0\0\0\0\0\0{not json at all}", 24, NULL));
  dp_model_store_load (store, (const char *const[]) { bad, NULL });
  wait_idle (store, NULL);
  g_assert_cmpuint (seen.failed, ==, 1);
  g_assert_false (seen.remembered);
  g_assert_nonnull (strstr (seen.message, "bad.safetensors"));
  g_assert_cmpuint (seen.changed, ==, 1); /* the fallback only */
  g_assert_cmpstr (dp_model_store_get_name (store), ==, "Built-in model");
  g_assert_nonnull (dp_model_store_get_model (store));

  g_unlink (bad);
  g_rmdir (dir);
  g_free (seen.message);
}

#ifdef DP_SCHEMA_DIR
/* issue 10 item 12: a remembered model that is missing is reported as such, and the setting
 * stays (a drive not yet mounted must not make the app forget it) */
static void
test_missing_remembered_kept (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettingsSchemaSource) source =
    g_settings_schema_source_new_from_directory (DP_SCHEMA_DIR, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (GSettingsSchema) schema =
    g_settings_schema_source_lookup (source, "io.github.digitpad.Digitpad", FALSE);
  g_assert_nonnull (schema);
  /* the memory backend (GSETTINGS_BACKEND=memory in the tests' environment) */
  g_autoptr (GSettings) settings = g_settings_new_full (schema, NULL, NULL);
  const char *const missing[] = { "/nonexistent/drive/mine.safetensors", NULL };
  Seen seen = { 0 };
  g_autoptr (DpModelStore) store = new_store (settings, &seen);
  g_auto (GStrv) after = NULL;

  g_settings_set_strv (settings, "last-model", missing);
  dp_model_store_set_fallback (store, dp_model_load (DEFAULT_MODEL, &error), "Built-in model");
  g_assert_no_error (error);
  dp_model_store_restore (store);
  wait_idle (store, NULL);
  g_assert_cmpuint (seen.failed, ==, 1);
  g_assert_true (seen.remembered);
  g_assert_nonnull (strstr (seen.message, "mine.safetensors"));
  after = g_settings_get_strv (settings, "last-model");
  g_assert_cmpstrv (after, missing);
  g_free (seen.message);
}
#endif

/* a personal model is named by what it is ("Personal model · 30 samples"), not by its file:
 * the name the window shows after a restart, as after the run */
static void
test_personal_model_named (void)
{
  g_autofree char *dir = g_dir_make_tmp ("digitpad-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "personal-model.safetensors", NULL);
  g_autofree char *plain = copy_model (dir, "plain.safetensors");
  Seen seen = { 0 };
  g_autoptr (DpModelStore) store = new_store (NULL, &seen);
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = dp_model_load (DEFAULT_MODEL, &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  g_assert_null (dp_personal_model_title (net));
  id = dp_personalize_model_id (net);
  dp_network_set_meta (net, DP_META_PERSONAL_BASE, id);
  dp_network_set_meta (net, DP_META_PERSONAL_SAMPLES, "30");
  g_assert_true (dp_model_save (net, path, &error));
  dp_model_store_load (store, (const char *const[]) { path, NULL });
  wait_idle (store, NULL);
  g_assert_cmpstr (dp_model_store_get_name (store), ==, "Personal model · 30 samples");
  dp_model_store_load (store, (const char *const[]) { plain, NULL });
  wait_idle (store, NULL);
  g_assert_cmpstr (dp_model_store_get_name (store), ==, "plain.safetensors");

  g_unlink (path);
  g_unlink (plain);
  g_rmdir (dir);
  g_free (seen.message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-store/explicit-load-wins", test_explicit_load_wins);
  g_test_add_func ("/model-store/set-model-wins", test_set_model_wins);
  g_test_add_func ("/model-store/failed-load", test_failed_load);
  g_test_add_func ("/model-store/personal-model-named", test_personal_model_named);
#ifdef DP_SCHEMA_DIR
  g_test_add_func ("/model-store/missing-remembered-kept", test_missing_remembered_kept);
#endif
  return g_test_run ();
}
