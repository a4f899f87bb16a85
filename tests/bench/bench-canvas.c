/* bench-canvas.c: what one pointer motion event costs the drawing pad, with 100, 10 000 and
 * 100 000 points already on it (`make bench`, under Xvfb). One event is the canvas's own work
 * for a sample (dp_canvas_extend_stroke: store the point, queue a redraw, tell the page) plus
 * the frame it asks for (the canvas's snapshot, rendered to pixels by GSK's Cairo renderer).
 * The points on the pad are one long stroke still being drawn, the case that used to cost the
 * most: every frame redrew every point. Median of many events, in µs; the goal is a flat line
 * (the last ratio near 1). Beside it, a reference measured in the same run: one redraw of every
 * point on the pad, which is what each frame cost before the ink was cached. Times are the thread's CPU time, so a busy machine does not inflate
 * them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gtk/gtk.h>

#include "dp-canvas.h"

#define SIDE 532   /* the pad at the default window size */
#define EVENTS 400 /* measured events per size */

/* CPU time of this thread, µs: what the event costs the app, not what other processes on a
 * busy machine take from it */
static double
cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* a zigzag filling the pad, 3 px a sample (the canvas keeps samples a pixel or more apart) */
static void
zigzag_point (guint i, double *x, double *y)
{
  const double lo = 0.1 * SIDE, hi = 0.9 * SIDE, step = 3.0;
  guint per_row = (guint) ((hi - lo) / step);
  guint row = i / per_row, col = i % per_row;
  *x = row % 2 ? hi - col * step : lo + col * step;
  *y = lo + fmod (row * 2.0, hi - lo);
}

/* the reference: every stroke on the pad drawn again, as each frame once did; median of 5 */
static double
full_redraw_us (DpCanvas *canvas)
{
  const DpStrokes *strokes = dp_canvas_get_strokes (canvas);
  cairo_surface_t *target = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, SIDE, SIDE);
  double costs[5];

  for (int r = 0; r < 5; r++)
    {
      double t0 = cpu_us ();
      cairo_t *cr = cairo_create (target);
      for (guint s = 0; s < dp_strokes_get_n_strokes (strokes); s++)
        dp_strokes_stroke_pieces (strokes, s, 0, G_MAXUINT, cr, SIDE, 26);
      cairo_destroy (cr);
      costs[r] = cpu_us () - t0;
    }
  cairo_surface_destroy (target);
  qsort (costs, 5, sizeof *costs, cmp_double);
  return costs[2];
}

static double
event_cost_us (GtkWidget *window, DpCanvas *canvas, guint n_points, double *redraw_us)
{
  graphene_rect_t bounds;
  double x, y, costs[EVENTS];
  cairo_surface_t *target = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, SIDE, SIDE);

  dp_canvas_clear (canvas);
  dp_canvas_get_pad_bounds (canvas, &bounds);
  zigzag_point (0, &x, &y);
  dp_canvas_begin_stroke (canvas, bounds.origin.x + x, bounds.origin.y + y, 1.f, 0);
  for (guint i = 1; i < n_points + EVENTS; i++)
    {
      zigzag_point (i, &x, &y);
      double t0 = cpu_us ();
      dp_canvas_extend_stroke (canvas, bounds.origin.x + x, bounds.origin.y + y, 1.f, i);
      /* a frame: after the warm-up points, one per event; before, one per 1000 points so the
       * pad is drawn as it would have been */
      if (i >= n_points || i % 1000 == 0)
        {
          GtkSnapshot *snapshot = gtk_snapshot_new ();
          gtk_widget_snapshot_child (window, GTK_WIDGET (canvas), snapshot);
          GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
          cairo_t *cr = cairo_create (target);
          if (node != NULL)
            gsk_render_node_draw (node, cr);
          cairo_destroy (cr);
          g_clear_pointer (&node, gsk_render_node_unref);
        }
      if (i >= n_points)
        costs[i - n_points] = cpu_us () - t0;
    }
  *redraw_us = full_redraw_us (canvas);
  dp_canvas_end_stroke (canvas);
  cairo_surface_destroy (target);
  qsort (costs, EVENTS, sizeof *costs, cmp_double);
  return costs[EVENTS / 2];
}

int
main (int argc, char *argv[])
{
  static const guint sizes[] = { 100, 10000, 100000 };
  double first = 0;
  g_autofree char *cpu = NULL;
  g_autofree char *cpuinfo = NULL;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-canvas: no display (run it under xvfb-run)\n");
      return 77;
    }
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      char *line = strstr (cpuinfo, "model name");
      char *colon = line ? strchr (line, ':') : NULL;
      if (colon != NULL)
        cpu = g_strndup (colon + 2, strcspn (colon + 2, "\n"));
    }

  GtkWidget *window = gtk_window_new ();
  GtkWidget *canvas = dp_canvas_new ();
  gtk_window_set_child (GTK_WINDOW (window), canvas);
  gtk_window_set_default_size (GTK_WINDOW (window), SIDE, SIDE);
  gtk_window_present (GTK_WINDOW (window));
  /* let it map and lay out at its size */
  for (int i = 0; i < 50 || gtk_widget_get_width (canvas) < SIDE / 2; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
      if (i > 2500)
        break;
    }

  printf ("canvas: one motion event (store the sample + render the frame it asks for), %d px pad\n"
          "  CPU: %s\n", gtk_widget_get_width (canvas), cpu ? cpu : "unknown");
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      double redraw = 0;
      double us = event_cost_us (window, DP_CANVAS (canvas), sizes[k], &redraw);
      if (k == 0)
        first = us;
      printf ("  %6u points on the pad: %8.1f µs CPU, median  (%.2f× the 100-point figure;"
              " a redraw of every point: %.0f µs, %.1f× this)\n", sizes[k], us, us / first, redraw,
              redraw / us);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
