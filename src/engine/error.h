/* error.h: the engine's GError domain. Every engine error names the file (when there is one)
 * and what is wrong, so the CLI and the GUI can show the message as it is. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DP_ERROR (dp_error_quark ())

typedef enum
{
  DP_ERROR_IO,      /* cannot open, read or write a file */
  DP_ERROR_FORMAT,  /* a file's contents are malformed */
  DP_ERROR_INVALID, /* an invalid argument or configuration */
  DP_ERROR_EMPTY,   /* nothing to recognise: no ink */
  DP_ERROR_REFUSED, /* a result refused by a safety check (a personal model that costs MNIST) */
} DpError;

GQuark dp_error_quark (void);

G_END_DECLS
