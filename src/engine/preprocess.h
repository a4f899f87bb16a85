/* preprocess.h: strokes or a raster image → the 28×28 input the network was trained on, the
 * MNIST way: crop to the ink, fit the longer side to 20 px keeping the aspect ratio, antialias,
 * and place the centre of mass at pixel (14, 14) counting from 0. One module serves the canvas,
 * image files, the CLI and the tests. Needs Cairo (to render strokes), no GTK. */
#pragma once

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
 * background and inverts it, then crops, fits and centres as above. Fails with DP_ERROR_EMPTY
 * when the image has no ink (all one shade). */
gboolean dp_preprocess_gray    (const guint8 *gray, int width, int height, int stride,
                                float *out, GError **error);

/* An image file (PNG, JPEG, … through gdk-pixbuf; alpha is composited over white). Huge images
 * are downscaled while loading, never decoded at full size. Errors name the file. */
gboolean dp_preprocess_image   (const char *path, float *out, GError **error);

G_END_DECLS
