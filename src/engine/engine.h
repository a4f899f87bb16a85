/* engine.h: everything the engine offers, for the CLI and the app. */
#pragma once

#include "augment.h"
#include "dataset.h"
#include "error.h"
#include "metrics.h"
#include "model-file.h"
#include "network.h"
#include "preprocess.h"
#include "rng.h"
#include "train.h"
