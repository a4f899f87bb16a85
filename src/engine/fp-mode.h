/* fp-mode.h: every thread that does training or inference arithmetic runs with subnormal floats
 * flushed to zero: results (flush-to-zero) and inputs (denormals-are-zero). A subnormal operand
 * costs about a hundred cycles on many x86 CPUs (Adam's moment buffers decay into that range for
 * units whose gradients vanish); flushed, it costs nothing, and runs stay deterministic. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets the mode on the calling thread. FALSE where this CPU family has no such mode (the
 * arithmetic is then IEEE gradual underflow, as before). */
gboolean dp_fp_mode_set_thread   (void);

/* Once, first thing in main() (the CLI, the app, tests that need it): sets the mode on the
 * calling thread and on every thread of OpenBLAS's pool. The pool is created before main()
 * runs, when the mode is off, and a thread keeps the mode it was created with (OpenBLAS as
 * Debian builds it does not copy the caller's MXCSR into its jobs): so a job that sets the mode
 * runs on each pool thread. Threads created later (a GThread, OpenBLAS growing its pool in
 * openblas_set_num_threads) inherit the mode of the thread that creates them. Returns how many
 * of OpenBLAS's threads, the calling one included, now have the mode (0 without the mode). */
int      dp_fp_mode_init         (void);

/* TRUE when the calling thread has the mode set */
gboolean dp_fp_mode_is_set       (void);

/* Test support: turns the mode off on the calling thread (IEEE gradual underflow). */
void     dp_fp_mode_clear_thread (void);

G_END_DECLS
