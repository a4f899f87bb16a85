/* preprocess.h: strokes or a raster image → the 28×28 input the network was trained on, the
 * MNIST way: crop to the ink, fit the longer side to 20 px keeping the aspect ratio, antialias,
 * and place the centre of mass at pixel (14, 14) counting from 0. One module serves the canvas,
 * image files, the CLI and the tests. Needs Cairo (to render strokes), no GTK. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>

#include "engine/strokes.h"

G_BEGIN_DECLS

/* Re-renders the vectors with a pen width proportional to the digit's own size.
 * out (784). Fails with DP_ERROR_EMPTY when there is no stroke. */
gboolean dp_preprocess_strokes (const DpStrokes *strokes, float *out, GError **error);

/* The pen width in pixels of the 28×28 image for a digit whose centre line is skeleton_px long
 * there: MNIST's measured stroke thickness (2.4–3.3 px, thicker for short digits). */
double   dp_preprocess_pen_width (double skeleton_px);

/* A grayscale raster (0 = black … 255 = white, or the reverse): detects dark ink on a light
 * background and inverts it, then crops, fits and centres as above. The paper is estimated
 * locally (a shadow, a vignette or uneven light is paper, not ink), lines across the page
 * (ruled or graph paper, a frame) are dropped, and so is ink hanging on the image's edge when
 * there is a digit away from it. Fails with DP_ERROR_EMPTY and "No ink" when the image is one
 * flat shade, "Too faint to read", or "Too small to read" (under 8 pixels, or a speck of ink). */
gboolean dp_preprocess_gray    (const guint8 *gray, int width, int height, int stride,
                                float *out, GError **error);

/* An image file (PNG, JPEG, … through gdk-pixbuf) as the user sees it: a cut or damaged PNG or
 * JPEG is refused ("truncated or damaged image"), the Exif orientation (JPEG, PNG eXIf) is
 * applied, at most max_side pixels on the longer side (a JPEG is decoded at that size, the
 * others are refused beyond 50 megapixels). WebP, HEIC and AVIF are named as unsupported. For
 * the app's display as well as for recognition. Errors name the file. */
GdkPixbuf *dp_preprocess_load_image (const char *path, int max_side, GError **error);

/* An image file through dp_preprocess_load_image, then gray, then dp_preprocess_gray. With an
 * alpha channel: ink of one colour on transparency is read from the alpha (white ink on a
 * transparent background too); otherwise transparency is the paper. */
gboolean dp_preprocess_image   (const char *path, float *out, GError **error);

G_END_DECLS
