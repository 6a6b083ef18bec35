"""The preview's soundtrack: a short seeded melody over a soft drone.

Notes are picked from a pentatonic scale by a random walk seeded from
(seed, sample_index), so the same request always sounds the same and different seeds
are audibly different. Each note has a quick attack and an exponential decay.

Synthesis runs in float64 and the result is snapped to the 16-bit PCM grid, so the
last-bit differences between CPU-specific vectorised `sin`/`exp` implementations
cannot change the samples handed to the encoder (and so the bytes of the file).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from veogate.providers.preview.scene import seeded_random

SAMPLE_RATE = 48_000
PEAK = 0.5  # about -6 dBFS

_SCALES = ((0, 2, 4, 7, 9), (0, 3, 5, 7, 10))  # major / minor pentatonic


def _midi_to_hz(note: float) -> float:
    return float(440.0 * 2.0 ** ((note - 69.0) / 12.0))


F64 = npt.NDArray[np.float64]


def _note(freq: float, length: int, rate: int) -> F64:
    t = np.arange(length, dtype=np.float64) / rate
    phase = (2.0 * math.pi * freq) * t
    wave = np.sin(phase) + 0.3 * np.sin(2.0 * phase) + 0.12 * np.sin(3.0 * phase)
    attack = max(1, int(0.008 * rate))
    release = max(1, min(length // 2, int(0.02 * rate)))
    envelope = np.exp(-t / max(0.08, 0.4 * length / rate))
    envelope[:attack] *= np.linspace(0.0, 1.0, attack)
    envelope[length - release :] *= np.linspace(1.0, 0.0, release)
    out: F64 = wave * envelope
    return out


def melody_notes(
    seed: int, sample_index: int, duration_seconds: float
) -> list[tuple[float, float, float]]:
    """(start seconds, length seconds, MIDI pitch) of every melody note."""
    rng = seeded_random(seed, sample_index, "audio")
    root = rng.randint(57, 64)
    scale = _SCALES[rng.randrange(len(_SCALES))]
    beat = rng.choice((0.25, 0.3, 0.375, 0.5))
    degree = rng.randrange(5)
    notes: list[tuple[float, float, float]] = []
    start = 0.0
    while start < duration_seconds - 1e-9:
        length = min(beat * rng.choice((1, 1, 1, 2)), duration_seconds - start)
        octave, step = divmod(degree, len(scale))
        notes.append((start, length, float(root + 12 * octave + scale[step])))
        degree = min(9, max(0, degree + rng.choice((-2, -1, -1, 1, 1, 2, 3))))
        start += length
    return notes


def synthesize(
    seed: int, sample_index: int, duration_seconds: float, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.float32]:
    """Mono float32 samples in [-PEAK, PEAK], exactly `duration_seconds * rate` long."""
    total = round(duration_seconds * rate)
    track = np.zeros(total, dtype=np.float64)
    notes = melody_notes(seed, sample_index, duration_seconds)
    for start_s, length_s, pitch in notes:
        start = round(start_s * rate)
        length = min(round(length_s * rate), total - start)
        if length > 0:
            track[start : start + length] += _note(_midi_to_hz(pitch), length, rate)
    if notes:
        drone_hz = _midi_to_hz(notes[0][2] - 24.0)
        t = np.arange(total, dtype=np.float64) / rate
        swell = 0.5 + 0.5 * np.sin((2.0 * math.pi * 0.25) * t)
        track += 0.25 * swell * np.sin((2.0 * math.pi * drone_hz) * t)
    fade = min(total // 2, int(0.02 * rate))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade)
        track[:fade] *= ramp
        track[total - fade :] *= ramp[::-1]
    peak = float(np.max(np.abs(track))) if total else 0.0
    if peak > 0.0:
        track *= PEAK / peak
    pcm: npt.NDArray[np.float32] = (np.round(track * 32767.0) / 32767.0).astype(np.float32)
    return pcm
