/* cmd-synth.c: `digitpad-cli synth --out DIR`: the generated training examples
 * (engine/synth.h) as a gzipped IDX pair, for a look or for other tools; `--dev` writes the
 * development set instead, from the held-out fonts and Hershey styles only: the fonts' digits and
 * letters as an IDX pair, the drawn digits and the drawn negatives as strokes files (for
 * `eval --strokes` and `eval --negatives`); --sheet FILE.png for a grid to look at. */
#include "cli.h"

#include "engine/strokes-file.h"

#include <errno.h>
#include <stdio.h>

#define COMMAND "synth"
#define SHEET_COLS 40
#define SHEET_SCALE 2
#define DEV_DEFAULT_COUNT 2000

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

/* a folder to write in, made if missing */
static gboolean
make_folder (const char *dir)
{
  if (g_mkdir_with_parents (dir, 0755) == 0)
    return TRUE;
  int errsv = errno;
  dp_cli_error ("%s: cannot create the folder: %s", dir, g_strerror (errsv));
  return FALSE;
}

static gboolean
save_idx (const DpDataset *ds, const char *dir, const char *prefix)
{
  g_autofree char *images_name = g_strconcat (prefix, "-images-idx3-ubyte.gz", NULL);
  g_autofree char *labels_name = g_strconcat (prefix, "-labels-idx1-ubyte.gz", NULL);
  g_autofree char *images = g_build_filename (dir, images_name, NULL);
  g_autofree char *labels = g_build_filename (dir, labels_name, NULL);
  g_autoptr (GError) error = NULL;
  if (!dp_dataset_save (ds, images, labels, &error))
    {
      dp_cli_file_error (images, error);
      return FALSE;
    }
  printf ("wrote %s and %s (%d images)\n", images, labels, ds->n);
  return TRUE;
}

/* The drawings of recipe (digits, or negatives) as a strokes file. */
static gboolean
save_strokes (const DpSynthRecipe *recipe, const char *dir, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = dp_synth_generate_strokes (recipe, &error);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  if (records == NULL || !dp_strokes_file_save (path, records, &error))
    {
      dp_cli_file_error (path, error);
      return FALSE;
    }
  printf ("wrote %s (%u drawings)\n", path, records->len);
  return TRUE;
}

/* The development set: held-out fonts as images, held-out Hershey styles and synthetic
 * handwriting as strokes, and drawn negatives. */
static int
write_dev (const DpSynthRecipe *base, const char *dir, const char *sheet, int threads)
{
  if (!make_folder (dir))
    return DP_CLI_EXIT_FAILED;
  DpSynthRecipe fonts = *base;
  fonts.fonts_only = TRUE;
  g_autoptr (GError) error = NULL;
  DpSynthReport report = { 0 };
  g_autoptr (DpDataset) ds = dp_synth_generate (&fonts, NULL, threads, NULL, NULL, NULL, &report,
                                                &error);
  if (ds == NULL)
    {
      dp_cli_error ("%s", error->message);
      return DP_CLI_EXIT_FAILED;
    }
  dp_synth_report_clear (&report);
  if (!save_idx (ds, dir, "dev-fonts"))
    return DP_CLI_EXIT_FAILED;
  if (sheet != NULL && !write_sheet (ds, sheet, &error))
    {
      dp_cli_file_error (sheet, error);
      return DP_CLI_EXIT_FAILED;
    }
  DpSynthRecipe digits = *base, negatives = *base;
  digits.n_negatives = 0;
  negatives.n_digits = 0;
  if ((digits.n_digits > 0 && !save_strokes (&digits, dir, "dev-digits.ndjson"))
      || (negatives.n_negatives > 0 && !save_strokes (&negatives, dir, "dev-negatives.ndjson")))
    return DP_CLI_EXIT_FAILED;
  return DP_CLI_EXIT_OK;
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
      "Write the development set instead: the held-out fonts and Hershey styles, never used in "
      "training (dev-fonts-*-ubyte.gz, dev-digits.ndjson, dev-negatives.ndjson)", NULL },
    { "digits", 0, 0, G_OPTION_ARG_STRING, &digits_text,
      "How many digits (default " G_STRINGIFY (DP_SYNTH_DEFAULT_DIGITS) "; --dev: "
      G_STRINGIFY (DEV_DEFAULT_COUNT) " of each kind)", "N" },
    { "negatives", 0, 0, G_OPTION_ARG_STRING, &negatives_text,
      "How many \"not a digit\" examples (default " G_STRINGIFY (DP_SYNTH_DEFAULT_NEGATIVES)
      "; --dev: " G_STRINGIFY (DEV_DEFAULT_COUNT) " of each kind)", "N" },
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
  if (dev)
    {
      recipe.split = DP_SYNTH_SPLIT_DEV;
      recipe.n_digits = recipe.n_negatives = DEV_DEFAULT_COUNT;
    }
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

  if (dev)
    {
      if (mnist_dir != NULL)
        return dp_cli_usage (COMMAND, "--data: the development set uses no MNIST digits");
      if (out == NULL)
        return dp_cli_usage (COMMAND, "--dev: missing --out DIR");
      return write_dev (&recipe, out, sheet, threads);
    }

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

  if (out != NULL && (!make_folder (out) || !save_idx (ds, out, "synth")))
    return DP_CLI_EXIT_FAILED;
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
