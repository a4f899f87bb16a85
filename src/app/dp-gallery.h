/* dp-gallery.h: DpGallery, a wrapping grid of 28×28 digit images, magnified with
 * nearest-neighbour sampling, each captioned with its prediction; and the one function that
 * turns a 28×28 input into a Cairo surface (the result view's preview uses it too). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DP_TYPE_GALLERY (dp_gallery_get_type ())
G_DECLARE_FINAL_TYPE (DpGallery, dp_gallery, DP, GALLERY, GtkWidget)

GtkWidget *dp_gallery_new        (void);
/* copies n images; images (n, 784) ink 0..1; truth, predicted (n) */
void       dp_gallery_set_images (DpGallery *self, const float *images, const guint8 *truth,
                                  const guint8 *predicted, int n);
int        dp_gallery_get_n_images (DpGallery *self);

/* One 28×28 image as MNIST stores it, white ink on black, in a new RGB24 surface to paint with
 * CAIRO_FILTER_NEAREST. image (28, 28) ink 0..1 (clamped), or NULL for an all-black one. */
cairo_surface_t *dp_digit_surface_new (const float *image);

G_END_DECLS
