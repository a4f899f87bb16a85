/* cmd-synth.c: `digitpad-cli synth --out DIR`: the generated examples (engine/synth.h) as a
 * gzipped IDX pair, for a look or for other tools; --dev for the held-out fonts and Hershey
 * styles (the development set); --sheet FILE.png for a grid of them to look at. */
#include "cli.h"

#include <stdio.h>

#define COMMAND "synth"
#define SHEET_COLS 40
#define SHEET_SCALE 2

static gboolean
parse_count (const char *option, const char *text, int *out)
{
  gint64 v;
  if (!g_ascii_string_to_signed (text, 10, 0, 10000000, &v, NULL))
    {
      dp_cli_usage (COMMAND, "%s: '%s' is not a count (0 to 10000000)", option, text);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

/* A grid of the first images of each label, a row of SHEET_COLS per label. */
static gboolean
write_sheet (const DpDataset *ds, const char *path, GError **error)
{
  const int side = DP_IMAGE_SIDE * SHEET_SCALE;
  int rows = DP_MAX_CLASSES;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, SHEET_COLS * side,
                                                         rows * side);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int col[DP_MAX_CLASSES] = { 0 };
  for (int i = 0; i < ds->n; i++)
    {
      int label = ds->labels[i];
      if (col[label] >= SHEET_COLS)
        continue;
      int x0 = col[label]++ * side, y0 = label * side;
      for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
          {
            float ink = ds->images[(gsize) i * DP_INPUT_SIZE + (y / SHEET_SCALE) * DP_IMAGE_SIDE
                                   + x / SHEET_SCALE];
            guint8 v = (guint8) (255 - (int) (ink * 255 + 0.5f));
            guint32 *px = (guint32 *) (data + (gsize) (y0 + y) * stride) + x0 + x;
            /* a faint frame between cells */
            *px = (x == 0 || y == 0) ? 0xffc0c0c0u : 0xff000000u | v << 16 | v << 8 | v;
          }
    }
  cairo_surface_mark_dirty (surface);
  gboolean ok = dp_file_save_png (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}

static void
print_progress (int done, int total, gpointer user_data)
{
  fprintf (stderr, "\rgenerating: %d / %d", done, total);
  if (done == total)
    fputc ('\n', stderr);
  fflush (stderr);
}

int
dp_cli_synth (int argc, char **argv)
{
  g_autofree char *out = NULL, *sheet = NULL, *mnist_dir = NULL;
  g_autofree char *digits_text = NULL, *negatives_text = NULL, *seed_text = NULL;
  g_autofree char *threads_text = NULL;
  gboolean dev = FALSE;
  g_auto (GStrv) rest = NULL;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Folder to write synth-images-idx3-ubyte.gz and synth-labels-idx1-ubyte.gz in", "DIR" },
    { "dev", 0, 0, G_OPTION_ARG_NONE, &dev,
      "The held-out fonts and Hershey styles (the development set), never used in training",
      NULL },
    { "digits", 0, 0, G_OPTION_ARG_STRING, &digits_text, "How many digits (default 30000)", "N" },
    { "negatives", 0, 0, G_OPTION_ARG_STRING, &negatives_text,
      "How many \"not a digit\" examples (default 30000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Random seed", "N" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &mnist_dir,
      "MNIST folder: its training digits make some of the two-digit negatives", "DIR" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text, "Threads (0 = one per core)", "N" },
    { "sheet", 0, 0, G_OPTION_ARG_FILENAME, &sheet,
      "Also write a PNG grid of examples, a row per label (10 = not a digit)", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "--out DIR",
      "Generate digits and \"not a digit\" examples from Debian's fonts, the Hershey fonts and\n"
      "synthetic handwriting (the examples the mix training set adds to MNIST), as IDX files.",
      entries);
  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest != NULL && rest[0] != NULL)
    return dp_cli_usage (COMMAND, "unexpected argument '%s'", rest[0]);
  if (out == NULL && sheet == NULL)
    return dp_cli_usage (COMMAND, "missing --out DIR (or --sheet FILE)");

  DpSynthRecipe recipe;
  dp_synth_recipe_default (&recipe);
  recipe.split = dev ? DP_SYNTH_SPLIT_DEV : DP_SYNTH_SPLIT_TRAIN;
  int threads = 0;
  if ((digits_text && !parse_count ("--digits", digits_text, &recipe.n_digits))
      || (negatives_text && !parse_count ("--negatives", negatives_text, &recipe.n_negatives))
      || (threads_text && !parse_count ("--threads", threads_text, &threads)))
    return DP_CLI_EXIT_USAGE;
  if (recipe.n_digits + recipe.n_negatives == 0)
    return dp_cli_usage (COMMAND, "nothing to generate: --digits and --negatives are both 0");
  if (seed_text != NULL
      && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &recipe.seed, NULL))
    return dp_cli_usage (COMMAND, "--seed: '%s' is not a seed (a whole number ≥ 0)", seed_text);

  g_autoptr (GError) error = NULL;
  g_autoptr (DpDataset) mnist = NULL;
  if (mnist_dir != NULL)
    {
      mnist = dp_dataset_load_mnist (mnist_dir, TRUE, &error);
      if (mnist == NULL)
        {
          dp_cli_file_error (mnist_dir, error);
          return DP_CLI_EXIT_FAILED;
        }
    }
  DpSynthReport report = { 0 };
  g_autoptr (DpDataset) ds = dp_synth_generate (&recipe, mnist, threads, print_progress, NULL,
                                                NULL, &report, &error);
  if (ds == NULL)
    {
      dp_cli_error ("%s", error->message);
      return DP_CLI_EXIT_FAILED;
    }
  printf ("generated %d examples (%d digits, %d not a digit) in %.1f s on %d threads\n", ds->n,
          recipe.n_digits, recipe.n_negatives, report.seconds, report.threads);
  for (int s = 0; s < DP_SYNTH_N_SOURCES; s++)
    printf ("  %-8s %d\n", dp_synth_source_name (s), report.by_source[s]);
  dp_synth_report_clear (&report);

  if (out != NULL)
    {
      g_autofree char *images = g_build_filename (out, "synth-images-idx3-ubyte.gz", NULL);
      g_autofree char *labels = g_build_filename (out, "synth-labels-idx1-ubyte.gz", NULL);
      if (g_mkdir_with_parents (out, 0755) != 0 || !dp_dataset_save (ds, images, labels, &error))
        {
          if (error != NULL)
            dp_cli_file_error (out, error);
          else
            dp_cli_error ("%s: cannot create the folder", out);
          return DP_CLI_EXIT_FAILED;
        }
      printf ("wrote %s and %s\n", images, labels);
    }
  if (sheet != NULL)
    {
      if (!write_sheet (ds, sheet, &error))
        {
          dp_cli_file_error (sheet, error);
          return DP_CLI_EXIT_FAILED;
        }
      printf ("wrote %s\n", sheet);
    }
  return DP_CLI_EXIT_OK;
}
