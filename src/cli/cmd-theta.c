/* cmd-theta.c: `digitpad-cli import-theta` and `export-theta`: the bridge to the classic
 * tutorial's Theta1.txt / Theta2.txt (numpy savetxt text, bias in the first column, sigmoid
 * hidden layer and outputs) in both directions, through dp_theta_import / dp_theta_export. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int
dp_cli_import_theta (int argc, char **argv)
{
  const char *command = "import-theta";
  g_autofree char *out = NULL;
  g_auto (GStrv) rest = NULL;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Model file to write (required)", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      command, "THETA1 THETA2 --out FILE",
      "Turn the classic tutorial's weights (Theta1.txt: h×785, Theta2.txt: 10×(h+1), numpy\n"
      "savetxt text, bias in the first column) into a 784-h-10 sigmoid model file.",
      entries);

  if (!dp_cli_parse (context, command, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL || rest[1] == NULL)
    return dp_cli_usage (command, "missing THETA1 and THETA2 (Theta1.txt and Theta2.txt)");
  if (rest[2] != NULL)
    return dp_cli_usage (command, "unexpected argument '%s'", rest[2]);
  if (out == NULL)
    return dp_cli_usage (command, "missing --out FILE (where to save the model)");

  g_autoptr (GError) error = NULL;
  if (!dp_file_check_output (out, "the model", NULL, &error))
    {
      dp_cli_file_error (out, error);
      return DP_CLI_EXIT_FAILED;
    }
  g_autoptr (DpNetwork) net = dp_theta_import (rest[0], rest[1], &error);
  if (net == NULL)
    {
      dp_cli_error ("%s", error->message);
      return DP_CLI_EXIT_FAILED;
    }
  /* the engine's recipe names the files generically; here the paths as typed are known */
  g_autofree char *recipe = g_strdup_printf ("imported from %s and %s", rest[0], rest[1]);
  dp_network_set_meta (net, DP_META_RECIPE, recipe);
  dp_network_set_meta (net, "command", dp_cli_command_line ());
  if (!dp_model_save (net, out, &error))
    {
      dp_cli_file_error (out, error);
      return DP_CLI_EXIT_FAILED;
    }
  g_autofree char *sizes = dp_network_describe_sizes (net);
  printf ("saved %s (%s %s, %s)\n", out, sizes, dp_activation_to_string (net->activation),
          dp_loss_to_string (net->loss));
  return DP_CLI_EXIT_OK;
}

int
dp_cli_export_theta (int argc, char **argv)
{
  const char *command = "export-theta";
  g_auto (GStrv) rest = NULL;
  const GOptionEntry entries[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      command, "MODEL DIR",
      "Write a 784-h-10 sigmoid model as DIR/Theta1.txt and DIR/Theta2.txt, the classic\n"
      "tutorial's format (DIR is created if needed; existing files there are replaced).",
      entries);

  if (!dp_cli_parse (context, command, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL || rest[1] == NULL)
    return dp_cli_usage (command, "missing MODEL and DIR");
  if (rest[2] != NULL)
    return dp_cli_usage (command, "unexpected argument '%s'", rest[2]);

  const char *model_path = rest[0], *dir = rest[1];
  g_autoptr (DpNetwork) net = dp_cli_load_model (model_path);
  if (net == NULL)
    return DP_CLI_EXIT_FAILED;

  /* dp_theta_export checks the model first and only then creates dir: a refused model leaves
   * nothing behind */
  g_autoptr (GError) error = NULL;
  if (!dp_theta_export (net, dir, &error))
    {
      /* a model that is not 784-h-10 sigmoid (ReLU, deeper) is the model's fault: name it;
       * a write error is about the Theta files in dir */
      if (g_error_matches (error, DP_ERROR, DP_ERROR_INVALID))
        dp_cli_file_error (model_path, error);
      else
        dp_cli_file_error (dir, error);
      return DP_CLI_EXIT_FAILED;
    }
  g_autofree char *theta1 = g_build_filename (dir, "Theta1.txt", NULL);
  g_autofree char *theta2 = g_build_filename (dir, "Theta2.txt", NULL);
  printf ("wrote %s and %s\n", theta1, theta2);
  return DP_CLI_EXIT_OK;
}
