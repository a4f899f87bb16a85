/* cli.h: what the digitpad-cli commands share: their entry points (one cmd-*.c each, called by
 * main.c with argv shifted so that argv[0] is the command's name), the exit codes, and the few
 * helpers every command needs to parse its options, print errors and load a model. */
#pragma once

#include <glib.h>

#include "engine/engine.h"
#include "engine/strokes-file.h"

G_BEGIN_DECLS

#define DP_CLI_NAME "digitpad-cli"

/* Exit codes: the same for every command. */
enum
{
  DP_CLI_EXIT_OK = 0,
  DP_CLI_EXIT_FAILED = 1,      /* bad input: a file that cannot be read, a malformed model, … */
  DP_CLI_EXIT_USAGE = 2,       /* unknown command or option, missing or invalid argument */
  DP_CLI_EXIT_CANCELLED = 130, /* interrupted by Ctrl+C (128 + SIGINT), nothing saved */
};

int dp_cli_train        (int argc, char **argv);
int dp_cli_eval         (int argc, char **argv);
int dp_cli_predict      (int argc, char **argv);
int dp_cli_import_theta (int argc, char **argv);
int dp_cli_export_theta (int argc, char **argv);
int dp_cli_bench        (int argc, char **argv);
int dp_cli_synth        (int argc, char **argv);
int dp_cli_personalize  (int argc, char **argv);

/* "digitpad-cli: <message>" on stderr, one line. */
void        dp_cli_error       (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* An error about a file: the engine's messages already name the file, so the path is only
 * added when the message lacks it. Always one line on stderr. */
void        dp_cli_file_error  (const char *path, const GError *error);

/* A usage error: the message, then "Try 'digitpad-cli <command> --help'.". Returns
 * DP_CLI_EXIT_USAGE so that a command can `return dp_cli_usage (…)`. */
int         dp_cli_usage       (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* A GOptionContext for command (usage line "digitpad-cli <command> [OPTION…] <parameters>"),
 * with the summary shown by --help. */
GOptionContext *dp_cli_context_new (const char *command, const char *parameters,
                                    const char *summary, const GOptionEntry *entries);

/* Parses argv with context; on an error prints it with the usage hint and returns FALSE (the
 * caller exits with DP_CLI_EXIT_USAGE). --help prints the help and exits 0 inside. */
gboolean    dp_cli_parse       (GOptionContext *context, const char *command, int *argc,
                                char ***argv);

/* Loads a model, printing the error (which names the file) on failure. */
DpNetwork  *dp_cli_load_model  (const char *path);

/* Prints one recognition as predict does: text ("FILE: 7 (93.20 %)", or "FILE: not a digit
 * (87.00 %), closest digit 4 (9.12 %)", then the probabilities) or one JSON object a line
 * ({"file", "digit" (null for "not a digit"), "confidence", with an 11-output model
 * "not_a_digit" and "closest_digit", "probabilities" (n_outputs)}). record (may be NULL) is
 * the strokes record of file that was recognised: JSON members "line" and "id" (null when it
 * has none) after "file"; in text "FILE:LINE [ID]: …" or "FILE:LINE: …". */
void        dp_cli_print_result (const char *file, const DpStrokesRecord *record,
                                 const DpRecognition *r, gboolean json);

/* The command line as the user typed it ("digitpad-cli train --preset quick …"), each argument
 * shell-quoted where needed; kept in the model's metadata as the recipe that made it. */
const char *dp_cli_command_line (void);

/* ---- strokes files as input (strokes-input.c) ---- */

/* Reads a strokes file, each bad line reported on stderr as "FILE:LINE: what is wrong" and
 * counted in *n_bad. NULL (the error printed) when the file cannot be read at all or holds no
 * record, good or bad. */
GPtrArray  *dp_cli_load_strokes      (const char *path, guint *n_bad);
/* The record through the pad's preprocessing into x (784); on failure the error is printed
 * as "FILE:LINE: …" and FALSE returned. */
gboolean    dp_cli_preprocess_record (const char *path, const DpStrokesRecord *record, float *x);

G_END_DECLS
