/* dp-canvas.c: the drawing pad. Pointer, touch and stylus all arrive through one GtkGestureDrag
 * (on GTK 4.8 a stylus is a pointer device whose events carry a pressure axis). Every motion
 * event also brings the samples the compositor coalesced since the last one
 * (gdk_event_get_history), so fast strokes keep their shape. Points are stored in 0..1 of the
 * square pad, so resizing never loses or distorts the drawing, undo is "drop the last stroke",
 * and the same list feeds the screen, the PNG export and the 28×28 rasterizer, all through the
 * engine's one path walker (strokes.h).
 *
 * Cost: the ink is kept in a pad-sized surface. A finished stroke, and every settled piece of the
 * stroke being drawn, is drawn into it once; a frame paints the surface and the one unsettled
 * piece at the pen. So a motion event and a frame cost the same with 100 or 100 000 points on
 * the pad; the surface is redrawn whole only on resize, undo, clear, a new pen width or ink
 * colour (theme change). */
#include "dp-canvas.h"

#include <glib/gi18n.h>
#include <math.h>

struct _DpCanvas
{
  GtkWidget parent_instance;

  GtkDropTarget *drop;

  DpStrokes *strokes;
  GdkTexture *image;  /* nullable */
  double pen_width;   /* pixels of a DP_CANVAS_REFERENCE_SIDE pad */
  gboolean drawing;
  double start_x, start_y; /* where the drag began, widget coordinates */

  /* the ink cache: strokes [0, ink_strokes) whole and ink_pieces pieces of the next one */
  cairo_surface_t *ink;
  int ink_side, ink_scale; /* logical pad side and the device scale it was made for */
  GdkRGBA ink_color;
  double ink_pen;
  guint ink_strokes, ink_pieces;
};

G_DEFINE_FINAL_TYPE (DpCanvas, dp_canvas, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_PEN_WIDTH, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { CHANGED, STROKE_FINISHED, FILE_DROPPED, N_SIGNALS };
static guint signals[N_SIGNALS];

#define PAD_MARGIN 0.0
#define PAD_RADIUS 12.0

/* the pad: the largest centred square */
void
dp_canvas_get_pad_bounds (DpCanvas *self, graphene_rect_t *bounds)
{
  g_return_if_fail (DP_IS_CANVAS (self));

  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double side = MAX (1.0, MIN (w, h) - 2 * PAD_MARGIN);

  graphene_rect_init (bounds, floor ((w - side) / 2), floor ((h - side) / 2), side, side);
}

static double
pen_for_side (DpCanvas *self, double side)
{
  return self->pen_width * side / DP_CANVAS_REFERENCE_SIDE;
}

/* every stroke whole, into a side × side square at the origin of cr */
static void
draw_strokes (DpCanvas *self, cairo_t *cr, double side)
{
  for (guint s = 0; s < dp_strokes_get_n_strokes (self->strokes); s++)
    dp_strokes_stroke_pieces (self->strokes, s, 0, G_MAXUINT, cr, side, pen_for_side (self, side));
}

static void
invalidate_ink (DpCanvas *self)
{
  g_clear_pointer (&self->ink, cairo_surface_destroy);
}

/* Brings the ink cache up to date for a pad of this side and colour: draws what was added since
 * the last frame (all of it after an invalidation). The stroke under the pen gets its settled
 * pieces only; the caller draws the rest. */
static void
update_ink (DpCanvas *self, int side, const GdkRGBA *color)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double pen = pen_for_side (self, side);
  guint n_strokes = dp_strokes_get_n_strokes (self->strokes);

  if (self->ink != NULL
      && (self->ink_side != side || self->ink_scale != scale || self->ink_pen != pen
          || !gdk_rgba_equal (&self->ink_color, color) || self->ink_strokes > n_strokes))
    invalidate_ink (self);
  if (self->ink == NULL)
    {
      self->ink = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, side * scale, side * scale);
      cairo_surface_set_device_scale (self->ink, scale, scale);
      self->ink_side = side;
      self->ink_scale = scale;
      self->ink_pen = pen;
      self->ink_color = *color;
      self->ink_strokes = self->ink_pieces = 0;
    }

  cairo_t *cr = NULL;
  for (guint s = self->ink_strokes; s < n_strokes; s++)
    {
      guint n = 0;
      gboolean growing = self->drawing && s + 1 == n_strokes;
      dp_strokes_get_stroke (self->strokes, s, &n);
      guint end = growing ? dp_strokes_get_n_final_pieces (n) : dp_strokes_n_pieces (n);
      guint first = s == self->ink_strokes ? self->ink_pieces : 0;
      if (end > first)
        {
          if (cr == NULL)
            {
              cr = cairo_create (self->ink);
              gdk_cairo_set_source_rgba (cr, color);
            }
          dp_strokes_stroke_pieces (self->strokes, s, first, end, cr, side, pen);
        }
      if (growing)
        {
          self->ink_strokes = s;
          self->ink_pieces = MAX (first, end);
        }
      else
        {
          self->ink_strokes = s + 1;
          self->ink_pieces = 0;
        }
    }
  if (cr != NULL)
    cairo_destroy (cr);
}

/* the image fitted inside the pad, keeping its aspect ratio */
static void
image_bounds (GdkTexture *image, const graphene_rect_t *pad, graphene_rect_t *out)
{
  double iw = gdk_texture_get_width (image), ih = gdk_texture_get_height (image);
  double scale = MIN (pad->size.width / iw, pad->size.height / ih);

  graphene_rect_init (out, pad->origin.x + (pad->size.width - iw * scale) / 2,
                      pad->origin.y + (pad->size.height - ih * scale) / 2, iw * scale, ih * scale);
}

static GdkRGBA
lookup_color (GtkWidget *widget, const char *name, const char *fallback)
{
  GdkRGBA color;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  if (!gtk_style_context_lookup_color (context, name, &color))
    gdk_rgba_parse (&color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return color;
}

static void
dp_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DpCanvas *self = DP_CANVAS (widget);
  graphene_rect_t pad;
  GskRoundedRect rounded;
  GdkRGBA ink;

  dp_canvas_get_pad_bounds (self, &pad);
  /* the pad follows the theme: the view colours (white/black in light, dark/light in dark) */
  GdkRGBA paper = lookup_color (widget, "theme_base_color", "#ffffff");
  GdkRGBA border = lookup_color (widget, "borders", "rgba(0,0,0,0.15)");
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &ink);
  G_GNUC_END_IGNORE_DEPRECATIONS

  gsk_rounded_rect_init_from_rect (&rounded, &pad, PAD_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, &paper, &pad);

  if (self->image != NULL)
    {
      graphene_rect_t ib;
      image_bounds (self->image, &pad, &ib);
      gtk_snapshot_append_texture (snapshot, self->image, &ib);
    }
  else if (dp_strokes_is_empty (self->strokes))
    {
      /* a quiet hint in the middle of an empty pad */
      PangoLayout *layout = gtk_widget_create_pango_layout (widget, _("Draw a digit here"));
      int lw, lh;
      GdkRGBA hint = ink;

      hint.alpha *= 0.35;
      pango_layout_get_pixel_size (layout, &lw, &lh);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (pad.origin.x + (pad.size.width - lw) / 2,
                                                    pad.origin.y + (pad.size.height - lh) / 2));
      gtk_snapshot_append_layout (snapshot, layout, &hint);
      gtk_snapshot_restore (snapshot);
      g_object_unref (layout);
    }

  if (!dp_strokes_is_empty (self->strokes))
    {
      int side = (int) pad.size.width;
      /* the ink is laid on the paper in the colour it makes there (the theme's may be
       * translucent): opaque, so pieces and strokes that overlap do not darken where they
       * meet, and the cache needs no compositing group */
      GdkRGBA solid = { ink.red * ink.alpha + paper.red * (1 - ink.alpha),
                        ink.green * ink.alpha + paper.green * (1 - ink.alpha),
                        ink.blue * ink.alpha + paper.blue * (1 - ink.alpha), 1 };
      update_ink (self, side, &solid);
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &pad);
      cairo_translate (cr, pad.origin.x, pad.origin.y);
      cairo_set_source_surface (cr, self->ink, 0, 0);
      cairo_paint (cr);
      if (self->ink_strokes < dp_strokes_get_n_strokes (self->strokes))
        {
          /* the unsettled end of the stroke under the pen */
          gdk_cairo_set_source_rgba (cr, &solid);
          dp_strokes_stroke_pieces (self->strokes, self->ink_strokes, self->ink_pieces, G_MAXUINT,
                                    cr, side, self->ink_pen);
        }
      cairo_destroy (cr);
    }
  gtk_snapshot_pop (snapshot);

  float widths[4] = { 1, 1, 1, 1 };
  GdkRGBA borders[4] = { border, border, border, border };
  gtk_snapshot_append_border (snapshot, &rounded, widths, borders);
}

cairo_surface_t *
dp_canvas_render (DpCanvas *self, int side)
{
  g_return_val_if_fail (DP_IS_CANVAS (self), NULL);
  g_return_val_if_fail (side > 0, NULL);

  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, side, side);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (self->image != NULL)
    {
      /* GdkTexture → cairo: download as premultiplied ARGB32, which is cairo's layout */
      int iw = gdk_texture_get_width (self->image), ih = gdk_texture_get_height (self->image);
      cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, iw, ih);
      graphene_rect_t pad, ib;

      cairo_surface_flush (img);
      gdk_texture_download (self->image, cairo_image_surface_get_data (img),
                            cairo_image_surface_get_stride (img));
      cairo_surface_mark_dirty (img);
      graphene_rect_init (&pad, 0, 0, side, side);
      image_bounds (self->image, &pad, &ib);
      cairo_save (cr);
      cairo_translate (cr, ib.origin.x, ib.origin.y);
      cairo_scale (cr, ib.size.width / iw, ib.size.height / ih);
      cairo_set_source_surface (cr, img, 0, 0);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_surface_destroy (img);
    }
  cairo_set_source_rgb (cr, 0, 0, 0);
  draw_strokes (self, cr, side);
  cairo_destroy (cr);
  return surface;
}

/* --- input --------------------------------------------------------------------------------- */

static void
dp_canvas_add_point (DpCanvas *self, double wx, double wy, float pressure, guint32 time)
{
  graphene_rect_t pad;
  DpPoint p;
  guint n_strokes = dp_strokes_get_n_strokes (self->strokes);

  dp_canvas_get_pad_bounds (self, &pad);
  p.x = CLAMP ((wx - pad.origin.x) / pad.size.width, 0.0, 1.0);
  p.y = CLAMP ((wy - pad.origin.y) / pad.size.height, 0.0, 1.0);
  p.pressure = pressure;
  p.time_ms = time;

  /* drop samples closer than a pixel to the previous one: they add nothing but work */
  if (n_strokes > 0)
    {
      guint n = 0;
      const DpPoint *last = dp_strokes_get_stroke (self->strokes, n_strokes - 1, &n);
      if (n > 0 && hypot ((p.x - last[n - 1].x) * pad.size.width,
                          (p.y - last[n - 1].y) * pad.size.height) < 1.0)
        return;
    }
  dp_strokes_add_point (self->strokes, &p);
}

static float
event_pressure (GdkEvent *event)
{
  double pressure;
  GdkDevice *device = event ? gdk_event_get_device (event) : NULL;

  /* a mouse reports no pressure, and some drivers report 0 for "none": only trust pens */
  if (device != NULL && gdk_device_get_source (device) == GDK_SOURCE_PEN
      && gdk_event_get_axis (event, GDK_AXIS_PRESSURE, &pressure))
    return (float) CLAMP (pressure, 0.0, 1.0);
  return 1.f;
}

static void
on_drag_begin_cb (GtkGestureDrag *gesture, double x, double y, DpCanvas *self)
{
  graphene_rect_t pad;
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture));

  g_assert (DP_IS_CANVAS (self));

  dp_canvas_get_pad_bounds (self, &pad);
  if (!graphene_rect_contains_point (&pad, &GRAPHENE_POINT_INIT (x, y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  /* the pad takes the keyboard focus, so Enter, Delete and Ctrl+Z reach the window's shortcuts
   * rather than whatever button had it */
  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->start_x = x;
  self->start_y = y;
  dp_canvas_begin_stroke (self, x, y, event_pressure (event), event ? gdk_event_get_time (event) : 0);
}

static void
on_drag_update_cb (GtkGestureDrag *gesture, double dx, double dy, DpCanvas *self)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture));
  double wx = self->start_x + dx, wy = self->start_y + dy;

  g_assert (DP_IS_CANVAS (self));
  if (!self->drawing)
    return;

  if (event != NULL && gdk_event_get_event_type (event) == GDK_MOTION_NOTIFY)
    {
      guint n_history = 0;
      GdkTimeCoord *history = gdk_event_get_history (event, &n_history);
      double ex, ey;

      /* history samples are in surface coordinates: shift them by the offset between this
       * event's surface position and its widget position */
      if (history != NULL && gdk_event_get_position (event, &ex, &ey))
        {
          double ox = wx - ex, oy = wy - ey;
          for (guint i = 0; i < n_history; i++)
            {
              GdkTimeCoord *c = &history[i];
              float pressure = 1.f;
              if ((c->flags & GDK_AXIS_FLAG_PRESSURE)
                  && gdk_device_get_source (gdk_event_get_device (event)) == GDK_SOURCE_PEN)
                pressure = (float) CLAMP (c->axes[GDK_AXIS_PRESSURE], 0.0, 1.0);
              dp_canvas_add_point (self, c->axes[GDK_AXIS_X] + ox, c->axes[GDK_AXIS_Y] + oy,
                                   pressure, c->time);
            }
        }
      g_free (history);
    }
  dp_canvas_extend_stroke (self, wx, wy, event_pressure (event),
                           event ? gdk_event_get_time (event) : 0);
}

static void
on_drag_end_cb (GtkGestureDrag *gesture, double dx, double dy, DpCanvas *self)
{
  g_assert (DP_IS_CANVAS (self));
  dp_canvas_end_stroke (self);
}

static gboolean
on_drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, DpCanvas *self)
{
  g_assert (DP_IS_CANVAS (self));

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
      gboolean ok = files != NULL;
      if (ok)
        g_signal_emit (self, signals[FILE_DROPPED], 0, files->data);
      g_slist_free (files);
      return ok;
    }
  return FALSE;
}

/* --- public -------------------------------------------------------------------------------- */

void
dp_canvas_begin_stroke (DpCanvas *self, double x, double y, float pressure, guint32 time_ms)
{
  g_return_if_fail (DP_IS_CANVAS (self));

  /* drawing over an opened image starts a new drawing */
  g_clear_object (&self->image);
  self->drawing = TRUE;
  dp_strokes_begin (self->strokes);
  dp_canvas_add_point (self, x, y, pressure, time_ms);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dp_canvas_extend_stroke (DpCanvas *self, double x, double y, float pressure, guint32 time_ms)
{
  g_return_if_fail (DP_IS_CANVAS (self));
  if (!self->drawing)
    return;
  dp_canvas_add_point (self, x, y, pressure, time_ms);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dp_canvas_end_stroke (DpCanvas *self)
{
  g_return_if_fail (DP_IS_CANVAS (self));
  if (!self->drawing)
    return;
  self->drawing = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
  g_signal_emit (self, signals[STROKE_FINISHED], 0);
}

const DpStrokes *
dp_canvas_get_strokes (DpCanvas *self)
{
  g_return_val_if_fail (DP_IS_CANVAS (self), NULL);
  return self->strokes;
}

gboolean
dp_canvas_is_empty (DpCanvas *self)
{
  g_return_val_if_fail (DP_IS_CANVAS (self), TRUE);
  return self->image == NULL && dp_strokes_is_empty (self->strokes);
}

gboolean
dp_canvas_is_drawing (DpCanvas *self)
{
  g_return_val_if_fail (DP_IS_CANVAS (self), FALSE);
  return self->drawing;
}

void
dp_canvas_undo (DpCanvas *self)
{
  g_return_if_fail (DP_IS_CANVAS (self));

  if (self->drawing || dp_strokes_get_n_strokes (self->strokes) == 0)
    return;
  dp_strokes_undo (self->strokes);
  invalidate_ink (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dp_canvas_clear (DpCanvas *self)
{
  g_return_if_fail (DP_IS_CANVAS (self));

  if (self->drawing)
    return;
  dp_strokes_clear (self->strokes);
  invalidate_ink (self);
  g_clear_object (&self->image);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dp_canvas_set_strokes (DpCanvas *self, const DpStrokes *strokes)
{
  g_return_if_fail (DP_IS_CANVAS (self));
  g_return_if_fail (strokes != NULL);

  if (self->drawing)
    return;
  dp_strokes_free (self->strokes);
  self->strokes = dp_strokes_copy (strokes);
  invalidate_ink (self);
  g_clear_object (&self->image);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dp_canvas_set_image (DpCanvas *self, GdkTexture *image)
{
  g_return_if_fail (DP_IS_CANVAS (self));
  g_return_if_fail (image == NULL || GDK_IS_TEXTURE (image));

  dp_strokes_clear (self->strokes);
  invalidate_ink (self);
  g_set_object (&self->image, image);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

GdkTexture *
dp_canvas_get_image (DpCanvas *self)
{
  g_return_val_if_fail (DP_IS_CANVAS (self), NULL);
  return self->image;
}

double
dp_canvas_get_pen_width (DpCanvas *self)
{
  g_return_val_if_fail (DP_IS_CANVAS (self), 0);
  return self->pen_width;
}

void
dp_canvas_set_pen_width (DpCanvas *self, double width)
{
  g_return_if_fail (DP_IS_CANVAS (self));

  width = CLAMP (width, 1.0, 100.0);
  if (width == self->pen_width)
    return;
  self->pen_width = width;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEN_WIDTH]);
}

/* --- GObject ------------------------------------------------------------------------------- */

/* Square: as wide as it is tall. A box that gives the pad its height then offers it the same
 * width, so the page (centred) keeps the pad and the result panel together on wide windows. */
static void
dp_canvas_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                   int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 200;
  *natural = for_size >= 0 ? MAX (200, for_size) : 480;
}

static GtkSizeRequestMode
dp_canvas_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dp_canvas_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DpCanvas *self = DP_CANVAS (object);

  switch (prop_id)
    {
    case PROP_PEN_WIDTH:
      g_value_set_double (value, self->pen_width);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_canvas_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DpCanvas *self = DP_CANVAS (object);

  switch (prop_id)
    {
    case PROP_PEN_WIDTH:
      dp_canvas_set_pen_width (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_canvas_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_CANVAS);
  G_OBJECT_CLASS (dp_canvas_parent_class)->dispose (object);
}

static void
dp_canvas_finalize (GObject *object)
{
  DpCanvas *self = DP_CANVAS (object);

  g_clear_pointer (&self->strokes, dp_strokes_free);
  invalidate_ink (self);
  g_clear_object (&self->image);
  G_OBJECT_CLASS (dp_canvas_parent_class)->finalize (object);
}

static void
dp_canvas_class_init (DpCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dp_canvas_get_property;
  object_class->set_property = dp_canvas_set_property;
  object_class->dispose = dp_canvas_dispose;
  object_class->finalize = dp_canvas_finalize;
  widget_class->snapshot = dp_canvas_snapshot;
  widget_class->measure = dp_canvas_measure;
  widget_class->get_request_mode = dp_canvas_get_request_mode;

  properties[PROP_PEN_WIDTH] =
    g_param_spec_double ("pen-width", NULL, NULL, 1.0, 100.0, 20.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* the strokes or the image changed (a point, a stroke's end, undo, clear, an image) */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* the pen was lifted */
  signals[STROKE_FINISHED] = g_signal_new ("stroke-finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  /* a file was dropped on the pad; the owner decides what to do with it */
  signals[FILE_DROPPED] = g_signal_new ("file-dropped", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_FILE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-canvas.ui");
  gtk_widget_class_bind_template_child (widget_class, DpCanvas, drop);
  gtk_widget_class_bind_template_callback (widget_class, on_drag_begin_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_drag_update_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_drag_end_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_drop_cb);
  gtk_widget_class_set_css_name (widget_class, "dpcanvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dp_canvas_init (DpCanvas *self)
{
  GType types[] = { GDK_TYPE_FILE_LIST };

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drop_target_set_gtypes (self->drop, types, G_N_ELEMENTS (types));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Drawing pad"), -1);

  self->strokes = dp_strokes_new ();
  self->pen_width = 20.0;
}

GtkWidget *
dp_canvas_new (void)
{
  return g_object_new (DP_TYPE_CANVAS, NULL);
}
