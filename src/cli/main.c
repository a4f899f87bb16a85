/* main.c: digitpad-cli's entry point. Picks the command from argv[1] and hands it the rest of
 * the command line (argv[0] becomes the command's name), so that each command owns its options in
 * its own cmd-*.c. Also the helpers every command shares: error lines on stderr, usage errors,
 * option parsing, loading a model with a message. No GTK: the CLI links the engine alone. */
#include "cli.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef DP_VERSION
#define DP_VERSION "0.1.0"
#endif

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} DpCliCommand;

static const DpCliCommand commands[] = {
  { "train", dp_cli_train, "train a network on MNIST and save it" },
  { "eval", dp_cli_eval, "accuracy, per-class precision/recall/F1 and confusion matrix" },
  { "predict", dp_cli_predict, "recognise the digit in image files" },
  { "personalize", dp_cli_personalize, "a personal model from a person's drawings, in seconds" },
  { "import-theta", dp_cli_import_theta, "turn the classic Theta1.txt/Theta2.txt into a model" },
  { "export-theta", dp_cli_export_theta, "write a 784-h-10 sigmoid model as Theta1/Theta2.txt" },
  { "synth", dp_cli_synth, "generate digits and \"not a digit\" examples from fonts and strokes" },
  { "bench", dp_cli_bench, "time the engine's forward, backward and training" },
};

static char *command_line;

void
dp_cli_error (const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", DP_CLI_NAME, message);
  fflush (stderr);
}

void
dp_cli_file_error (const char *path, const GError *error)
{
  if (path != NULL && strstr (error->message, path) == NULL)
    dp_cli_error ("%s: %s", path, error->message);
  else
    dp_cli_error ("%s", error->message);
}

int
dp_cli_usage (const char *command, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  if (command != NULL)
    fprintf (stderr, "%s %s: %s\nTry '%s %s --help'.\n", DP_CLI_NAME, command, message,
             DP_CLI_NAME, command);
  else
    fprintf (stderr, "%s: %s\nTry '%s --help'.\n", DP_CLI_NAME, message, DP_CLI_NAME);
  return DP_CLI_EXIT_USAGE;
}

GOptionContext *
dp_cli_context_new (const char *command, const char *parameters, const char *summary,
                    const GOptionEntry *entries)
{
  /* GOption prints "Usage: <prgname> [OPTION…] <parameters>": the command goes in the
   * program name so that the usage line is the one to type. */
  g_autofree char *prgname = g_strdup_printf ("%s %s", DP_CLI_NAME, command);
  g_set_prgname (prgname);
  GOptionContext *context = g_option_context_new (parameters);
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  return context;
}

gboolean
dp_cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      dp_cli_usage (command, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

DpNetwork *
dp_cli_load_model (const char *path)
{
  g_autoptr (GError) error = NULL;
  DpNetwork *net = dp_model_load (path, &error);
  if (net == NULL)
    dp_cli_file_error (path, error);
  return net;
}

const char *
dp_cli_command_line (void)
{
  return command_line;
}

/* Quotes an argument for a POSIX shell only when it needs it, so that the usual command line
 * reads as typed. */
static void
append_quoted (GString *s, const char *arg)
{
  gboolean plain = *arg != '\0';
  for (const char *p = arg; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_./,:=+@%", *p) == NULL)
      plain = FALSE;
  if (plain)
    {
      g_string_append (s, arg);
      return;
    }
  g_autofree char *quoted = g_shell_quote (arg);
  g_string_append (s, quoted);
}

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage:\n"
           "  %s COMMAND [OPTION…]\n"
           "\n"
           "Recognise hand-drawn digits with a multi-layer perceptron: train it on MNIST,\n"
           "evaluate it, and read digits from image files.\n"
           "\n"
           "Commands:\n",
           DP_CLI_NAME);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-14s%s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help    show this help ('%s COMMAND --help' for a command's options)\n"
           "  --version     show the version\n"
           "\n"
           "Exit status: 0 success, 1 bad input (a file that cannot be used), 2 usage error,\n"
           "130 interrupted.\n",
           DP_CLI_NAME);
}

static const DpCliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

int
main (int argc, char **argv)
{
  /* The user's locale for the character set (GOption's help, file names), but numbers always
   * with a decimal point: other programs parse what we print. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  g_set_prgname (DP_CLI_NAME);
  /* subnormal floats flushed to zero here and on OpenBLAS's threads (fp-mode.h) */
  dp_fp_mode_init ();

  GString *line = g_string_new (DP_CLI_NAME);
  for (int i = 1; i < argc; i++)
    {
      g_string_append_c (line, ' ');
      append_quoted (line, argv[i]);
    }
  command_line = g_string_free (line, FALSE);

  if (argc < 2)
    {
      int status = dp_cli_usage (NULL, "no command given");
      g_free (command_line);
      return status;
    }

  const char *name = argv[1];
  int status;
  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") || g_str_equal (name, "-?"))
    {
      print_usage (stdout);
      status = DP_CLI_EXIT_OK;
    }
  else if (g_str_equal (name, "--version"))
    {
      printf ("%s %s\n", DP_CLI_NAME, DP_VERSION);
      status = DP_CLI_EXIT_OK;
    }
  else if (g_str_equal (name, "help"))
    {
      /* "help COMMAND" is "COMMAND --help" */
      const DpCliCommand *command = argc > 2 ? find_command (argv[2]) : NULL;
      if (argc == 2)
        {
          print_usage (stdout);
          status = DP_CLI_EXIT_OK;
        }
      else if (command == NULL)
        status = dp_cli_usage (NULL, "unknown command '%s'", argv[2]);
      else
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };
          status = command->run (2, help_argv);
        }
    }
  else
    {
      const DpCliCommand *command = find_command (name);
      if (command == NULL && name[0] == '-')
        status = dp_cli_usage (NULL, "unknown option '%s' (options go after the command)", name);
      else if (command == NULL)
        status = dp_cli_usage (NULL, "unknown command '%s'", name);
      else
        status = command->run (argc - 1, argv + 1);
    }

  /* a full disk or a closed pipe must not pass for success */
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      int saved = errno;
      dp_cli_error ("cannot write the output: %s", g_strerror (saved));
      if (status == DP_CLI_EXIT_OK)
        status = DP_CLI_EXIT_FAILED;
    }
  g_free (command_line);
  return status;
}
