# Digitpad: a thin wrapper over Meson. `make run` and `make test` each do the whole setup on a
# fresh Debian 12 machine: install the missing Debian packages, configure, build.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# The development copy of MNIST beside the clone, for the tests and the benchmark only: `make run`
# starts the app as an installed one does (the remembered folder, then
# $XDG_DATA_HOME/digitpad/mnist), unless DIGITPAD_MNIST_DIR is set in the environment.
DIGITPAD_MNIST_DIR ?= $(abspath ../shared/mnist)
test bench devset fuzz asan: export DIGITPAD_MNIST_DIR := $(DIGITPAD_MNIST_DIR)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0

# The generated training data (src/engine/synth.c): cairo-ft and fontconfig for the glyphs, the
# font packages it renders and the single-stroke Hershey fonts (README: "The data mix").
SYNTH_DEBS := libfontconfig-dev libfreetype-dev hershey-fonts-data \
        fonts-bwht fonts-dkg-handwriting fonts-breip fonts-humor-sans fonts-comic-neue \
        fonts-dancingscript fonts-ecolier-court fonts-kaushanscript fonts-klee fonts-staypuft \
        fonts-sil-andika fonts-isabella fonts-urw-base35 fonts-freefont-ttf fonts-liberation2 \
        fonts-texgyre fonts-dejavu-extra fonts-gnutypewriter

# Build: compiler, Meson, the libraries. Tests: Xvfb and xdotool for the GUI, ImageMagick for
# screenshots, clang + its runtimes for fuzzing and sanitizers, valgrind, the desktop-file checkers.
DEBS := build-essential pkg-config meson ninja-build \
        libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libcairo2-dev libgdk-pixbuf-2.0-dev \
        libopenblas-dev liblbfgs-dev zlib1g-dev libjson-glib-dev libsoup-3.0-dev \
        python3 xvfb xauth xdotool imagemagick dbus dbus-x11 at-spi2-core \
        adwaita-icon-theme hicolor-icon-theme fonts-cantarell fonts-dejavu-core \
        desktop-file-utils appstream gettext clang libclang-rt-14-dev llvm valgrind \
        python3-gi gir1.2-gtk-4.0 \
        $(SYNTH_DEBS)

.PHONY: all deps build run test bench devset fuzz asan clean mutants

all: build

# The benchmark's reference only (not the build or the tests): Debian's PyTorch 1.13, CPU.
BENCH_DEBS := python3-torch python3-numpy

# installs the packages of $(1) that are missing
define install_missing
	@missing=$$(for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(APT) update && $(APT) install --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEBS))

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

run: build
	$(BUILD)/src/app/digitpad

test: build
	@tests/run-all.sh $(BUILD) $(ASAN_BUILD)

bench: build
	$(call install_missing,$(BENCH_DEBS))
	$(BUILD)/src/cli/digitpad-cli bench --data $(DIGITPAD_MNIST_DIR)
	xvfb-run -a -s '-screen 0 1280x1024x24' $(BUILD)/tests/bench-canvas
	/usr/bin/python3 tests/bench/bench-pytorch.py $(BUILD)/src/cli/digitpad-cli $(DIGITPAD_MNIST_DIR)

fuzz: deps
	@tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# a model on the development set (issue 12), one table; the set is built once into $(BUILD)/devset
MODEL ?= weights/digitpad-default.safetensors
devset: build
	DIGITPAD_CLI=$(BUILD)/src/cli/digitpad-cli tests/devset/run-devset.sh $(MODEL) $(BUILD)/devset

# deliberate bugs (tests/mutants/*.patch) that the unit and CLI tests must each catch
mutants: deps
	@tests/mutants/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-mutants
